import Foundation
import GatehouseStore

/// The texts of the account mails. Links are built from `PUBLIC_URL` by the caller
/// (`AccountService.link`); they open the console's pages.
public enum AuthMails {
    public static func verifyEmail(to: String, name: String, link: String) -> OutgoingMail {
        OutgoingMail(to: to, subject: "Confirm your email address", bodyText: """
            Hello \(name),

            Please confirm your email address for Gatehouse by opening this link (valid for 24 hours):

            \(link)

            If you did not sign up, you can ignore this mail.
            """)
    }

    public static func resetPassword(to: String, link: String) -> OutgoingMail {
        OutgoingMail(to: to, subject: "Reset your Gatehouse password", bodyText: """
            Someone asked to reset the password of your Gatehouse account.

            To choose a new password, open this link (valid for 30 minutes, usable once):

            \(link)

            If this was not you, ignore this mail: your password stays as it is.
            """)
    }

    public static func magicLink(to: String, link: String) -> OutgoingMail {
        OutgoingMail(to: to, subject: "Your Gatehouse sign-in link", bodyText: """
            Open this link to sign in to Gatehouse (valid for 15 minutes, usable once):

            \(link)

            If you did not ask for it, ignore this mail.
            """)
    }
}

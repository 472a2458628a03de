import GatehouseStore

/// The texts of billing mails. Links are built from `PUBLIC_URL` by the caller.
enum BillingMails {
    /// After a signup checkout completes: the account exists, this link signs its owner in.
    static func accountReady(to: String, planName: String, link: String) -> OutgoingMail {
        OutgoingMail(to: to, subject: "Your Gatehouse account is ready", bodyText: """
            Thank you for subscribing to Gatehouse \(planName).

            Your account is ready. Open this link to sign in (valid for 15 minutes, usable once):

            \(link)

            If the link has expired, ask for a new sign-in link on the sign-in page with this address.
            """)
    }
}

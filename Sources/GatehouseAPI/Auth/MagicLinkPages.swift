import Foundation

/// The small HTML pages of the magic-link flow. Every interpolated value is escaped.
enum MagicLinkPages {
    static func escape(_ text: String) -> String {
        var out = ""
        for char in text {
            switch char {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(char)
            }
        }
        return out
    }

    private static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem}</style>
        </head><body>
        \(body)
        </body></html>
        """
    }

    /// The landing page: the token waits in a hidden field until the button is pressed.
    static func form(token: String) -> String {
        page(title: "Sign in to Gatehouse", body: """
            <h1>Sign in to Gatehouse</h1>
            <p>Press the button to finish signing in. The link works once.</p>
            <form method="post" action="/api/v2/auth/magic-link">
            <input type="hidden" name="token" value="\(escape(token))">
            <button type="submit">Sign in</button>
            </form>
            """)
    }

    /// Success: the token pair is embedded as JSON for the application to pick up.
    static func signedIn(tokenPairJSON: String) -> String {
        // `<` escaped so the JSON can never close the script element.
        let safe = tokenPairJSON.replacingOccurrences(of: "<", with: "\\u003c")
        return page(title: "Signed in", body: """
            <h1>You are signed in</h1>
            <p>You can close this page.</p>
            <script type="application/json" id="token-pair">\(safe)</script>
            """)
    }

    static func failed(expired: Bool) -> String {
        page(title: "Link not valid", body: """
            <h1>This sign-in link cannot be used</h1>
            <p>\(expired ? "It has expired." : "It is not valid or was already used.") Request a new link to sign in.</p>
            """)
    }

    static func crossSite() -> String {
        page(title: "Sign-in refused", body: """
            <h1>This sign-in did not come from Gatehouse</h1>
            <p>The form was sent from another site, so it was refused; the link was not used. Open the link from your mail again.</p>
            """)
    }
}

import Foundation

/// The simulator's HTML: plain forms that work without JavaScript, escaped text only.
enum SimulatorPages {
    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A whole page around `body` (already HTML).
    static func layout(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Stripe simulator</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1a1f36; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
        .banner { background: #fff4e5; border: 1px solid #f5a623; padding: .5rem .75rem; border-radius: 6px; font-size: .9rem; }
        .error { background: #fde8e8; border: 1px solid #e25950; padding: .5rem .75rem; border-radius: 6px; }
        .notice { background: #e8f5e9; border: 1px solid #4caf50; padding: .5rem .75rem; border-radius: 6px; }
        label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
        input[type=text], input[type=email] { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
        button { margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
        .amount { font-size: 2rem; font-weight: 700; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; }
        dt { font-weight: 600; }
        </style>
        </head>
        <body>
        <p class="banner">Stripe simulator (test mode): no real payment is made. Test cards: 4242 4242 4242 4242 pays,
        4000 0000 0000 0341 is declined.</p>
        \(body)
        </body>
        </html>
        """
    }

    static func errorPage(_ message: String, status: Int) -> SimulatorResponse {
        .html(layout(title: "Error", body: "<h1>Something is wrong</h1>\n<p class=\"error\" role=\"alert\">\(escape(message))</p>"),
              status: status)
    }

    /// `2026-12-28` for unix seconds.
    static func day(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601.year().month().day())
    }
}

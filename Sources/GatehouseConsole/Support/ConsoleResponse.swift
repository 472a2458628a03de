import Foundation

/// What a console page answers: an HTML page with a status, or a redirect (303 after a POST);
/// plus the session cookie to set or clear.
struct ConsoleResponse: Sendable {
    enum Body: Sendable {
        case html(String)
        case redirect(String)
        case text(String, contentType: String, filename: String?)
    }

    enum SessionCookie: Sendable {
        case set(ConsoleCookie)
        case clear
    }

    var status: Int
    var body: Body
    var sessionCookie: SessionCookie?
    /// Origins besides the console's own that this page's forms may lead to (the billing
    /// page's forms are answered with a redirect to the payment provider's pages).
    var formActions: [String] = []

    static func page(_ html: String, status: Int = 200) -> Self {
        .init(status: status, body: .html(html))
    }

    static func redirect(_ location: String) -> Self {
        .init(status: 303, body: .redirect(location))
    }
}

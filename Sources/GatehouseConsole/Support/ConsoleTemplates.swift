import GatehouseStore
import Mustache

/// The console's mustache templates (in `Templates/`, embedded as strings so the binary needs
/// no resource files), rendered inside the layout. Mustache escapes every `{{value}}`; only
/// the layout's `{{{content}}}` (already rendered) is inserted raw.
struct ConsoleTemplates: Sendable {
    private let library: MustacheLibrary

    /// A navigation entry.
    enum Section: String, CaseIterable {
        case keys, usage, billing, settings, account

        var label: String {
            switch self {
            case .keys: "API keys"
            case .usage: "Usage"
            case .billing: "Billing"
            case .settings: "Settings"
            case .account: "Account"
            }
        }
    }

    init() throws {
        var library = MustacheLibrary()
        let templates: [String: String] = [
            "layout": Self.layout, "signIn": Self.signIn, "signUp": Self.signUp, "emailRequest": Self.emailRequest,
            "confirmLink": Self.confirmLink, "resetPassword": Self.resetPassword, "message": Self.message,
            "bar": Self.bar, "keys": Self.keys, "newKey": Self.newKey, "rawKey": Self.rawKey,
            "revokeConfirm": Self.revokeConfirm, "keyDetail": Self.keyDetail, "recentCalls": Self.recentCalls,
            "settings": Self.settings, "account": Self.account, "usage": Self.usage,
            "billing": Self.billing, "billingCancelConfirm": Self.billingCancelConfirm,
        ]
        for (name, text) in templates {
            try library.register(text, named: name)
        }
        self.library = library
    }

    /// A whole page: `template` rendered with `context` (plus the CSRF token and the user),
    /// inside the layout.
    func page(_ template: String, title: String, call: ConsoleCall, section: Section? = nil,
              notice: String? = nil, problem: String? = nil, _ context: [String: Any] = [:]) -> String {
        var context = context
        context["csrf"] = call.csrfToken
        if let user = call.user { context["user"] = Self.userContext(user) }
        let content = fragment(template, context)
        var layout: [String: Any] = ["title": title, "content": content, "csrf": call.csrfToken]
        if let user = call.user {
            layout["user"] = Self.userContext(user)
            layout["nav"] = Section.allCases.map { entry -> [String: Any] in
                ["href": "/console/\(entry.rawValue)", "label": entry.label, "active": entry == section]
            }
        }
        if let notice { layout["notice"] = notice }
        if let problem { layout["problem"] = problem }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    /// One template alone (e.g. the recent-calls table for the refresh script).
    func fragment(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    static func userContext(_ user: UserRecord) -> [String: Any] {
        ["email": user.email, "fullName": user.fullName, "role": user.role.rawValue,
         "emailVerified": user.emailVerified, "hasPassword": user.hasPassword]
    }
}

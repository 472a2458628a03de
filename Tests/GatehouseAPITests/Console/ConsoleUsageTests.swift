import Foundation
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The usage page: this month's meters, the daily breakdown with each session's messages, the CSV.
@Suite("Console: usage", .serialized)
struct ConsoleUsageTests {
    @Test func usageShowsTheMonthTheSessionsAndTheCSV() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var page = try await browser.get("/console/usage")
            #expect(page.status == .ok)
            #expect(page.text.contains("Nothing used this month yet."))

            let key = try await ConsoleKeysTests.createKey(&browser, [
                ("name", "campaign"), ("scopes", "sessions:manage"), ("scopes", "messages:send"),
            ])
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
            let session = try await client.send(.post, "/api/v2/sessions", json: ["name": "=Spring, \"launch\""], headers: headers)
            #expect(session.status == .created)
            let sessionID = try #require(try session.json["id"] as? String)
            for _ in 0..<2 {
                let sent = try await client.send(.post, "/api/v2/messages", json: [
                    "session_id": sessionID, "to": "+5511999999999", "text": "hello",
                ], headers: headers)
                #expect(sent.status.code < 300, "\(sent.text)")
            }

            // The rollups are written in batches: wait until the messages show.
            page = try await browser.get("/console/usage")
            for _ in 0..<100 where !page.html.contains("=Spring, &quot;launch&quot;: 2") {
                try await Task.sleep(for: .milliseconds(100))
                page = try await browser.get("/console/usage")
            }
            #expect(page.html.contains("=Spring, &quot;launch&quot;: 2"))
            #expect(page.html.contains("data-meter=\"messages\""))

            let csv = try await browser.get("/console/usage.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition]?.contains("attachment; filename=\"gatehouse-usage-") == true)
            let lines = csv.html.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "day,api_calls,messages_sent,cost,session_id,session_name,session_messages_sent")
            // Quoted for the comma and quotes; the leading `=` defused so a spreadsheet shows it as text.
            #expect(lines.contains { $0.hasSuffix(",\(sessionID),\"'=Spring, \"\"launch\"\"\",2") }, "\(lines)")

            // A member reads usage too.
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var memberBrowser = ConsoleBrowser(client)
            try await memberBrowser.signIn(member.email, member.password)
            #expect(try await memberBrowser.get("/console/usage").status == .ok)
        }
    }

    /// The plan's bars: the free plan allows 1 live session and 100 messages a month; one session
    /// is 100 % (red, "limit reached"), 80 messages 80 % (amber, "close to the limit"), and the
    /// numbers are those of `GET /billing/subscription`.
    @Test func planLimitBarsTurnAmberAt80AndRedAt100Percent() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var page = try await browser.get("/console/usage")
            #expect(page.text.contains("This month against the Free plan"))
            #expect(page.html.contains("data-meter=\"messages\" data-level=\"ok\""))
            #expect(page.text.contains("Messages sent this month 0 of 100"))

            let key = try await ConsoleKeysTests.createKey(&browser, [
                ("name", "campaign"), ("scopes", "sessions:manage"), ("scopes", "messages:send"), ("rate_limit_rpm", "0"),
            ])
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
            let session = try await client.send(.post, "/api/v2/sessions", json: ["name": "launch"], headers: headers)
            #expect(session.status == .created)
            let sessionID = try #require(try session.json["id"] as? String)
            for number in 1...80 {
                let sent = try await client.send(.post, "/api/v2/messages", json: [
                    "session_id": sessionID, "to": "+5511999999999", "text": "hello \(number)",
                ], headers: headers)
                if sent.status.code >= 300 { Issue.record("message \(number): \(sent.text)"); return }
            }

            // Counted in the message's transaction; polled in case a rollup lags.
            page = try await browser.get("/console/usage")
            for _ in 0..<100 where !page.text.contains("Messages sent this month 80 of 100") {
                try await Task.sleep(for: .milliseconds(100))
                page = try await browser.get("/console/usage")
            }
            #expect(page.status == .ok)
            // Sessions: 1 of 1 is red, said in words and in the bar's label.
            #expect(page.html.contains("data-meter=\"sessions\" data-level=\"over\""), "\(page.html)")
            #expect(page.html.contains("aria-label=\"Live sessions: 1 of 1\""))
            #expect(page.text.contains("Live sessions 1 of 1 100 % used · limit reached"))
            // Messages: 80 of 100 is amber.
            #expect(page.html.contains("data-meter=\"messages\" data-level=\"warn\""))
            #expect(page.html.contains("<rect class=\"fill warn\" width=\"80.0\""))
            #expect(page.text.contains("Messages sent this month 80 of 100 80 % used · close to the limit"))
            // Nothing used of the others.
            #expect(page.html.contains("data-meter=\"labels\" data-level=\"ok\""))

            // The same numbers as the API's subscription.
            let subscription = try await client.send(.get, "/api/v2/billing/subscription", headers: owner.authorization)
            #expect(subscription.status == .ok)
            let usage = try #require(try subscription.json["usage"] as? [String: Any])
            #expect(usage["messages_this_month"] as? Int == 80)
            #expect(usage["sessions"] as? Int == 1)
            let limits = try #require(try subscription.json["limits"] as? [String: Any])
            #expect(limits["max_messages_per_month"] as? Int == 100)
        }
    }
}

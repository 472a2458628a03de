import Foundation

/// Mails written by the test servers' file transport.
enum TestMail {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-test-mail").path

    struct NoMail: Error, CustomStringConvertible {
        let description: String
    }

    /// Waits for the `count`-th mail to `address` whose subject contains `subject`, and returns its text.
    static func waitFor(to address: String, subject: String, count: Int = 1, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = mails(to: address).filter { $0.contains("Subject: ") && $0.contains(subject) }
            if found.count >= count { return found[count - 1] }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw NoMail(description: "no mail \(count) to \(address) about \(subject) within \(timeout)")
    }

    /// All mails to `address`, oldest first.
    static func mails(to address: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap { name in
            try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }.filter { $0.contains("\r\nTo: \(address)\r\n") }
    }

    /// The `token=` value of the first link in a mail.
    static func token(in mail: String) throws -> String {
        guard let match = mail.firstMatch(of: /token=([A-Za-z0-9_\-]+)/) else { throw NoMail(description: "no token link in mail") }
        return String(match.1)
    }
}

import Foundation
import Logging

/// Delivers one mail; throwing means "retry later".
protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// Notes mails in the log and drops them. The body holds live one-time tokens, and tokens never
/// reach a log at any level, so only the recipient and subject are logged; to read mails in
/// development use `file:DIR` (what `scripts/dev` does).
struct LogMailTransport: MailTransport {
    let logger: Logger

    func send(_ message: MailMessage) async throws {
        logger.info("mail (body not logged; use MAIL_TRANSPORT=file:DIR to read it)",
                    metadata: ["to": .string(message.to), "subject": .string(message.subject)])
    }
}

/// Writes one RFC 5322 `.eml` file per mail into a directory (written to a temporary name,
/// then renamed, so readers never see half a mail).
struct FileMailTransport: MailTransport {
    let directory: String

    func send(_ message: MailMessage) async throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = "\(Int(message.date.timeIntervalSince1970))-\(message.id.uuidString.lowercased()).eml"
        let final = URL(fileURLWithPath: directory).appendingPathComponent(name)
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(name).tmp")
        try Data(message.rfc5322.utf8).write(to: temporary)
        if fileManager.fileExists(atPath: final.path) { try fileManager.removeItem(at: final) }
        try fileManager.moveItem(at: temporary, to: final)
    }
}

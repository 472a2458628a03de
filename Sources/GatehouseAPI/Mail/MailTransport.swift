import Foundation
import Logging

/// Delivers one mail; throwing means "retry later".
protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// Writes mails to the log (development). The body holds live tokens, so it is logged at
/// debug level only; info shows the recipient and subject.
struct LogMailTransport: MailTransport {
    let logger: Logger

    func send(_ message: MailMessage) async throws {
        logger.info("mail", metadata: ["to": .string(message.to), "subject": .string(message.subject)])
        logger.debug("mail body", metadata: ["body": .string(message.bodyText)])
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

import Foundation
import Logging

/// Logs go to stderr (stdout is for command output such as a new key), as JSON lines unless
/// `LOG_FORMAT=text`.
enum LoggingBootstrap {
    static func bootstrap(level: Logger.Level) {
        let json = ProcessInfo.processInfo.environment["LOG_FORMAT"]?.lowercased() != "text"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

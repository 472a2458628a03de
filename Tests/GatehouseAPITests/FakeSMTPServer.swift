import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-connection SMTP server on a plain blocking socket and its own thread, recording what
/// the client sent. Just enough of RFC 5321 to test `SMTPMailTransport`.
final class FakeSMTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var _transcript: [String] = []
    private var _data = ""
    private let done = DispatchSemaphore(value: 0)
    /// The reply to RCPT TO (e.g. 550 to test a refusal).
    let rcptReply: String

    init(rcptReply: String = "250 OK") throws {
        self.rcptReply = rcptReply
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in serve() }.start()
    }

    var transcript: [String] { lock.withLock { _transcript } }
    var data: String { lock.withLock { _data } }

    /// Waits until the client has quit (or the timeout passes).
    func waitUntilDone(timeout: TimeInterval = 10) -> Bool {
        done.wait(timeout: .now() + timeout) == .success
    }

    private func serve() {
        defer { close(listener); done.signal() }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        func send(_ line: String) { _ = line.utf8CString.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count - 1) } }
        var buffer = ""
        var inData = false
        send("220 fake ESMTP\r\n")
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return }
            buffer += String(decoding: chunk[0..<count], as: UTF8.self)
            while true {
                if inData {
                    guard let end = buffer.range(of: "\r\n.\r\n") else { break }
                    let body = String(buffer[..<end.lowerBound])
                    lock.withLock { _data = body }
                    buffer.removeSubrange(..<end.upperBound)
                    inData = false
                    send("250 queued\r\n")
                    continue
                }
                guard let end = buffer.range(of: "\r\n") else { break }
                let line = String(buffer[..<end.lowerBound])
                buffer.removeSubrange(..<end.upperBound)
                lock.withLock { _transcript.append(line) }
                let verb = line.prefix(4).uppercased()
                switch verb {
                case "EHLO": send("250-fake greets you\r\n250 8BITMIME\r\n")
                case "MAIL": send("250 OK\r\n")
                case "RCPT": send(rcptReply + "\r\n")
                case "DATA": send("354 go ahead\r\n"); inData = true
                case "QUIT": send("221 bye\r\n"); return
                default: send("502 not implemented\r\n")
                }
            }
        }
    }
}

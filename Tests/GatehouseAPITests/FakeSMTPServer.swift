import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// An SMTP server on SwiftNIO (127.0.0.1, a free port) for one connection (or one per entry of
/// `rcptReplies`), recording what the client sent. Just enough of RFC 5321 (RFC 3207 STARTTLS or implicit TLS when given a certificate,
/// RFC 4954 AUTH PLAIN/LOGIN when asked to announce them) to test `SMTPMailTransport`. Lines
/// received over TLS are recorded with the prefix `tls: `.
final class FakeSMTPServer: Sendable {
    let port: Int
    private let record: FakeSMTPRecord
    private let channel: any Channel

    /// - Parameters:
    ///   - rcptReply: the reply to RCPT TO (e.g. 550 to test a refusal).
    ///   - rcptReplies: one connection per reply, each answering RCPT TO with its own (e.g. a
    ///     451 then a 250, for a server that fails then accepts); overrides `rcptReply`.
    ///   - tls: offer STARTTLS and upgrade with this certificate and key (nil: no STARTTLS offered).
    ///   - implicitTLS: speak TLS with the `tls` certificate from the first byte instead of STARTTLS.
    ///   - auth: SMTP AUTH mechanisms to announce (`PLAIN`, `LOGIN`), before TLS too, as a
    ///     careless or hostile server would; any credentials are accepted.
    static func start(rcptReply: String = "250 OK", rcptReplies: [String]? = nil, tls: TestCertificate? = nil,
                      implicitTLS: Bool = false, auth: [String] = []) async throws -> FakeSMTPServer {
        let replies = rcptReplies ?? [rcptReply]
        let sslContext = try tls.map {
            try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: [.file($0.certificatePath)], privateKey: .file($0.keyPath)))
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let record = FakeSMTPRecord(done: group.any().makePromise(of: Void.self), connectionLimit: replies.count)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4)
            .childChannelInitializer { channel in
                // One connection per reply: later ones are closed at once.
                guard let index = record.accept() else { return channel.close() }
                channel.closeFuture.whenComplete { _ in record.finish() }
                return channel.eventLoop.makeCompletedFuture {
                    if implicitTLS, let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        FakeSMTPSession(record: record, rcptReply: replies[index], tls: implicitTLS ? nil : sslContext,
                                        authMechanisms: auth, overTLS: implicitTLS && sslContext != nil))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeSMTPServer(port: channel.localAddress?.port ?? 0, record: record, channel: channel)
    }

    private init(port: Int, record: FakeSMTPRecord, channel: any Channel) {
        self.port = port
        self.record = record
        self.channel = channel
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Every command line the client sent, in order (`tls: ` before those received over TLS).
    var transcript: [String] { record.transcript }
    /// The message after DATA (without the final `.` line).
    var data: String { record.data }
    /// Whether the message after DATA came over TLS.
    var dataOverTLS: Bool { record.dataOverTLS }
    /// Every message accepted, over all connections.
    var deliveries: [String] { record.deliveries }
    /// Connections accepted so far.
    var connections: Int { record.connections }

    /// Waits until the client's connection has ended (false if the timeout passed first).
    func waitUntilDone(timeout: TimeAmount = .seconds(10)) async -> Bool {
        let done = record.done.futureResult
        let loop = done.eventLoop
        let result = loop.makePromise(of: Bool.self)
        loop.execute {
            let timer = loop.scheduleTask(in: timeout) { result.succeed(false) }
            done.whenComplete { _ in
                timer.cancel()
                result.succeed(true)
            }
        }
        return (try? await result.futureResult.get()) ?? false
    }
}

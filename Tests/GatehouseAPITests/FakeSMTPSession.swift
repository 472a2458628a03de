import Foundation
import NIOCore
import NIOSSL

/// The server side of one `FakeSMTPServer` connection (runs on its event loop).
final class FakeSMTPSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let record: FakeSMTPRecord
    private let rcptReply: String
    /// Offered with STARTTLS (nil: STARTTLS is not offered).
    private let tls: NIOSSLContext?
    /// The SMTP AUTH mechanisms announced in every EHLO reply, encrypted or not.
    private let authMechanisms: [String]
    private var buffer = ""
    private var inData = false
    /// The next line is the base64 user (1) or password (2) of an AUTH LOGIN exchange.
    private var loginStep = 0
    /// Set once the TLS handler is in the pipeline: from then on every byte read went through it.
    private var overTLS: Bool

    /// - Parameter overTLS: true when the connection is TLS from the first byte (implicit TLS).
    init(record: FakeSMTPRecord, rcptReply: String, tls: NIOSSLContext?, authMechanisms: [String], overTLS: Bool) {
        self.record = record
        self.rcptReply = rcptReply
        self.tls = tls
        self.authMechanisms = authMechanisms
        self.overTLS = overTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        send("220 fake ESMTP", context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readString(length: bytes.readableBytes) ?? ""
        while true {
            if inData {
                guard let end = buffer.range(of: "\r\n.\r\n") else { return }
                record.set(data: String(buffer[..<end.lowerBound]), overTLS: overTLS)
                buffer.removeSubrange(..<end.upperBound)
                inData = false
                send("250 queued", context: context)
                continue
            }
            guard let end = buffer.range(of: "\r\n") else { return }
            let line = String(buffer[..<end.lowerBound])
            buffer.removeSubrange(..<end.upperBound)
            record.append(line: line, overTLS: overTLS)
            if loginStep > 0 {
                send(loginStep == 1 ? "334 UGFzc3dvcmQ6" : "235 authenticated", context: context)
                loginStep = loginStep == 1 ? 2 : 0
                continue
            }
            switch line.uppercased() {
            case let verb where verb.hasPrefix("EHLO"):
                let offerTLS = tls != nil && !overTLS
                let auth = authMechanisms.isEmpty ? "" : "250-AUTH " + authMechanisms.joined(separator: " ") + "\r\n"
                send("250-fake greets you\r\n" + (offerTLS ? "250-STARTTLS\r\n" : "") + auth + "250 8BITMIME", context: context)
            case let verb where verb.hasPrefix("AUTH PLAIN ") && authMechanisms.contains("PLAIN"):
                send("235 authenticated", context: context)
            case "AUTH LOGIN" where authMechanisms.contains("LOGIN"):
                send("334 VXNlcm5hbWU6", context: context)
                loginStep = 1
            case "STARTTLS" where tls != nil && !overTLS:
                send("220 go ahead", context: context)
                // Plain text pipelined after STARTTLS is dropped (RFC 3207).
                buffer = ""
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls!), position: .first)
                    overTLS = true
                } catch {
                    context.close(promise: nil)
                }
                return
            case let verb where verb.hasPrefix("MAIL"): send("250 OK", context: context)
            case let verb where verb.hasPrefix("RCPT"): send(rcptReply, context: context)
            case "DATA": send("354 go ahead", context: context); inData = true
            case "QUIT":
                send("221 bye", context: context)
                context.close(promise: nil)
                return
            default: send("502 not implemented", context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed TLS handshake (e.g. the client refused the certificate) ends the connection.
        context.close(promise: nil)
    }

    private func send(_ reply: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply + "\r\n")), promise: nil)
    }
}

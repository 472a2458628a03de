import Foundation
import NIOCore
import NIOSSL

/// The server side of one `FakeSMTPServer` connection (runs on its event loop).
final class FakeSMTPSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let record: FakeSMTPRecord
    private let rcptReply: String
    private let tls: NIOSSLContext?
    private var buffer = ""
    private var inData = false
    /// Set once the TLS handler is in the pipeline: from then on every byte read went through it.
    private var overTLS = false

    init(record: FakeSMTPRecord, rcptReply: String, tls: NIOSSLContext?) {
        self.record = record
        self.rcptReply = rcptReply
        self.tls = tls
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
            switch line.uppercased() {
            case let verb where verb.hasPrefix("EHLO"):
                let offerTLS = tls != nil && !overTLS
                send("250-fake greets you\r\n" + (offerTLS ? "250-STARTTLS\r\n" : "") + "250 8BITMIME", context: context)
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

import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy between a pool and the test cluster (127.0.0.1, a port the kernel picks) that
/// can break the path the way a database restart does: `dropAll` closes every connection (the
/// pool's idle connections see the end of the stream, as after a restart), `refuse` closes each
/// new connection as soon as it is accepted (the server is down), `accept` forwards again.
/// A real fault on a real socket: libpq and the pool see exactly what they would see.
public final class DatabaseProxy: Sendable {
    public let port: Int
    private let listener: any Channel
    private let state: SharedState

    private struct State {
        var refusing = false
        /// Both ends of every forwarded connection.
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    /// Shared with the event loops' closures (a `Mutex` cannot be captured).
    private final class SharedState: Sendable {
        private let mutex = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// Starts a proxy to the host and port of `url` (a `postgres://` URL).
    public static func start(forwardingTo url: String) async throws -> DatabaseProxy {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw TestDatabase.MissingEnvironment(name: "a database URL with a host and port")
        }
        let state = SharedState()
        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                guard !state.withLock({ $0.refusing }) else { return inbound.close() }
                return ClientBootstrap(group: inbound.eventLoop).connect(host: host, port: port).flatMap { outbound in
                    let accepted = state.withLock { state in
                        guard !state.refusing else { return false }
                        state.channels[ObjectIdentifier(inbound)] = inbound
                        state.channels[ObjectIdentifier(outbound)] = outbound
                        return true
                    }
                    guard accepted else {
                        outbound.close(promise: nil)
                        return inbound.close()
                    }
                    for channel in [inbound, outbound] {
                        channel.closeFuture.whenComplete { _ in
                            _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
                        }
                    }
                    return outbound.pipeline.addHandler(Forwarder(to: inbound)).flatMap {
                        inbound.pipeline.addHandler(Forwarder(to: outbound))
                    }.flatMap {
                        inbound.setOption(.autoRead, value: true)
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return DatabaseProxy(port: listener.localAddress?.port ?? 0, listener: listener, state: state)
    }

    private init(port: Int, listener: any Channel, state: SharedState) {
        self.port = port
        self.listener = listener
        self.state = state
    }

    /// `url` with its host and port replaced by the proxy's.
    public func url(replacingIn url: String) -> String {
        var components = URLComponents(string: url)!
        components.host = "127.0.0.1"
        components.port = port
        return components.string!
    }

    /// Connections currently forwarded.
    public var connectionCount: Int { state.withLock { $0.channels.count / 2 } }

    /// Closes every forwarded connection, both ends, and returns once they are closed.
    public func dropAll() async {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels {
            try? await channel.close()
        }
    }

    /// New connections are closed as soon as they are accepted (existing ones are left alone).
    public func refuse() {
        state.withLock { $0.refusing = true }
    }

    /// New connections are forwarded again.
    public func accept() {
        state.withLock { $0.refusing = false }
    }

    public func stop() async {
        refuse()
        await dropAll()
        try? await listener.close()
    }
}

/// Writes what one end reads to the other end; closes the other end when this one closes.
private final class Forwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let peer: any Channel

    init(to peer: any Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

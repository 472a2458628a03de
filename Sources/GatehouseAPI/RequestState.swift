import Foundation
public import GatehouseCore
import Synchronization

/// Mutable facts about one request that inner layers learn and outer layers need: the verified
/// principal, and headers that must reach the client whether the request succeeds or fails
/// (rate-limit and spend headers on a 429 or 402 too).
public final class RequestState: Sendable {
    private struct Values {
        var principal: Principal?
        var headers: [(String, String)] = []
        var operationID: String?
        var keyUsage: KeyUsageNote?
    }

    private let values = Mutex(Values())

    public init() {}

    public var principal: Principal? {
        get { values.withLock { $0.principal } }
        set { values.withLock { $0.principal = newValue } }
    }

    public var operationID: String? {
        get { values.withLock { $0.operationID } }
        set { values.withLock { $0.operationID = newValue } }
    }

    /// The API key this request is charged to, once the hot path found it (admitted or refused
    /// by a limit): the usage log records the request against it when the response is done.
    public var keyUsage: KeyUsageNote? {
        get { values.withLock { $0.keyUsage } }
        set { values.withLock { $0.keyUsage = newValue } }
    }

    /// Lets a handler add what it learned (model, tokens) to the pending usage record.
    public func updateKeyUsage(_ change: (inout KeyUsageNote) -> Void) {
        values.withLock { values in
            if values.keyUsage != nil { change(&values.keyUsage!) }
        }
    }

    /// Adds (or replaces) a header for the final response.
    public func setHeader(_ name: String, _ value: String) {
        values.withLock { values in
            values.headers.removeAll { Self.sameFieldName($0.0, name) }
            values.headers.append((name, value))
        }
    }

    public var headers: [(String, String)] { values.withLock { $0.headers } }

    /// Field names compare without case (ASCII), without building lowercased copies.
    private static func sameFieldName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }
}

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

    /// Adds (or replaces) a header for the final response.
    public func setHeader(_ name: String, _ value: String) {
        values.withLock { values in
            values.headers.removeAll { $0.0.lowercased() == name.lowercased() }
            values.headers.append((name, value))
        }
    }

    public var headers: [(String, String)] { values.withLock { $0.headers } }
}

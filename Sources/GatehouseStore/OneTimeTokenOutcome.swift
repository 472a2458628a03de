import Foundation

/// The result of consuming a one-time token.
public enum OneTimeTokenOutcome<Value: Sendable>: Sendable {
    case consumed(Value)
    /// Unknown, used, or for another purpose.
    case invalid
    case expired
}

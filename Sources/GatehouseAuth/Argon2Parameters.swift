/// Argon2id cost parameters. The defaults are OWASP's recommendation (m=19456 KiB, t=2, p=1);
/// tests use cheap ones. Stored hashes carry their own parameters (PHC string), so changing
/// these only affects new hashes, and a login with old parameters re-hashes the password.
public struct Argon2Parameters: Sendable, Equatable, CustomStringConvertible {
    /// Memory in KiB (`m`).
    public var memoryKiB: UInt32
    /// Passes over memory (`t`).
    public var iterations: UInt32
    /// Lanes (`p`).
    public var parallelism: UInt32

    public static let owaspDefault = Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// Checks the limits libargon2 enforces (m >= 8p, t >= 1, p in 1...16 here).
    public func validated() throws -> Self {
        guard (1...16).contains(parallelism), iterations >= 1, iterations <= 64,
              memoryKiB >= 8 * parallelism, memoryKiB <= 4 * 1024 * 1024 else {
            throw Argon2Error(code: -1, message: "invalid Argon2 parameters \(self)")
        }
        return self
    }

    public var description: String { "m=\(memoryKiB),t=\(iterations),p=\(parallelism)" }

    /// The parameters recorded in an `$argon2id$v=19$m=…,t=…,p=…$salt$hash` string, if it is one.
    public init?(phc: String) {
        let parts = phc.split(separator: "$", omittingEmptySubsequences: true)
        guard parts.count == 5, parts[0] == "argon2id", parts[1] == "v=19" else { return nil }
        var values: [Substring: UInt32] = [:]
        for item in parts[2].split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = UInt32(pair[1]) else { return nil }
            values[pair[0]] = value
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        self.init(memoryKiB: m, iterations: t, parallelism: p)
    }
}

/// A libargon2 failure (not a mismatch: a mismatch is `false`).
public struct Argon2Error: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { "argon2 error \(code): \(message)" }
}

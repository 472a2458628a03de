import CArgon2
import Foundation

/// Argon2id over libargon2, producing and checking PHC strings. Synchronous and CPU/memory
/// heavy: call it only from `PasswordHasher`, which runs it on its own worker pool.
public enum Argon2id {
    /// Hashes `password` with a fresh 16-byte salt into a PHC string.
    public static func hash(_ password: String, parameters: Argon2Parameters) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let pwd = Array(password.utf8)
        let hashLength = 32
        let encodedLength = argon2_encodedlen(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                              UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let result = pwd.withUnsafeBytes { pwdBuffer in
            salt.withUnsafeBytes { saltBuffer in
                argon2id_hash_encoded(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                      pwdBuffer.baseAddress, pwd.count,
                                      saltBuffer.baseAddress, salt.count,
                                      hashLength, &encoded, encodedLength)
            }
        }
        guard result == ARGON2_OK.rawValue else {
            throw Argon2Error(code: result, message: String(cString: argon2_error_message(result)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches the PHC string (libargon2 compares in constant time).
    /// A malformed hash is `false`.
    public static func verify(_ password: String, phc: String) -> Bool {
        let pwd = Array(password.utf8)
        let result = pwd.withUnsafeBytes { buffer in
            argon2id_verify(phc, buffer.baseAddress, pwd.count)
        }
        return result == ARGON2_OK.rawValue
    }
}

import Foundation
import GatehouseAuth
import GatehouseCore

/// Input rules of the auth operations (the generator does not check lengths or formats), shared
/// by the API and the console.
public enum AuthValidation {
    /// A trimmed email address: at most 254 characters, one `@`, no spaces or control characters.
    public static func email(_ raw: String) throws -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...254).contains(email.unicodeScalars.count), email.utf8.count <= 254,
              email.wholeMatch(of: /[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+/) != nil else {
            throw GatehouseError.validation("email", "must be a valid email address (at most 254 characters)")
        }
        return email
    }

    /// A new password: 8-128 characters, any Unicode.
    public static func newPassword(_ password: String, field: String) throws {
        guard PasswordHasher.lengthRange.contains(password.count) else {
            throw GatehouseError.validation(field, "must be 8-128 characters")
        }
    }

    /// A trimmed name of 1-64 characters.
    public static func name(_ raw: String, field: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        try TextLength.check(name, field: field, scalars: 1...64)
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw GatehouseError.validation(field, "must not contain control characters")
        }
        return name
    }

    /// An opaque token as presented by the client (1-512 characters).
    public static func token(_ raw: String, field: String) throws -> String {
        try TextLength.check(raw, field: field, scalars: 1...512)
        return raw
    }
}

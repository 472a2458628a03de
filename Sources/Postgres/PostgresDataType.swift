/// A Postgres type OID sent with each bound parameter, so the server never has to guess.
public struct PostgresDataType: Sendable, Hashable {
    public let oid: UInt32
    public init(oid: UInt32) { self.oid = oid }

    public static let bool = Self(oid: 16)
    public static let bytea = Self(oid: 17)
    public static let int8 = Self(oid: 20)
    public static let int4 = Self(oid: 23)
    public static let text = Self(oid: 25)
    public static let jsonb = Self(oid: 3802)
    public static let textArray = Self(oid: 1009)
    public static let uuid = Self(oid: 2950)
    public static let uuidArray = Self(oid: 2951)
    public static let timestamptz = Self(oid: 1184)
    public static let date = Self(oid: 1082)
    public static let numeric = Self(oid: 1700)
    /// Let the server infer the type from context.
    public static let unknown = Self(oid: 0)
}

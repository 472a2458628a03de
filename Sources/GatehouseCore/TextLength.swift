/// Length rules for text inputs. Lengths are counted in Unicode scalars, as PostgreSQL's
/// `char_length` counts them (a count of Swift `Character`s lets one "character" of thousands
/// of combining marks through), and the UTF-8 size is capped too.
public enum TextLength {
    /// Throws 422 `validation_failed` naming `field` unless `value` has `scalars` Unicode scalars
    /// and at most `maxBytes` UTF-8 bytes (default: 4 per allowed scalar).
    public static func check(_ value: String, field: String, scalars range: ClosedRange<Int>, maxBytes: Int? = nil) throws {
        guard range.contains(value.unicodeScalars.count) else {
            throw GatehouseError.validation(field, "must be \(range.lowerBound) to \(range.upperBound) characters")
        }
        let cap = maxBytes ?? range.upperBound * 4
        guard value.utf8.count <= cap else {
            throw GatehouseError.validation(field, "must be at most \(cap) bytes in UTF-8")
        }
    }
}

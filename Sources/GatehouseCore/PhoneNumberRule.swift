/// Phone numbers in E.164 form: `+`, then 2–15 digits, not starting with 0.
public enum PhoneNumberRule {
    public static func isValid(_ number: String) -> Bool {
        number.wholeMatch(of: /\+[1-9][0-9]{1,14}/) != nil
    }

    /// Throws 422 naming `field` unless `number` is E.164.
    public static func check(_ number: String, field: String) throws {
        guard isValid(number) else {
            throw GatehouseError.validation(field, "must be an E.164 phone number such as +5511999999999")
        }
    }

    /// Every entry E.164 and no duplicates.
    public static func checkList(_ numbers: [String], field: String) throws {
        for (index, number) in numbers.enumerated() {
            try check(number, field: "\(field)[\(index)]")
        }
        guard Set(numbers).count == numbers.count else {
            throw GatehouseError.validation(field, "must not repeat a number")
        }
    }
}

/// Text format of one-dimensional `text[]`: `{a,"b c","d\"e"}`.
enum PostgresArrayLiteral {
    static func format(_ values: [String]) -> String {
        var text = "{"
        for (position, value) in values.enumerated() {
            if position > 0 { text += "," }
            text += "\""
            for character in value {
                if character == "\"" || character == "\\" { text += "\\" }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }

    /// Parses a one-dimensional array literal. NULL elements are refused (callers store none).
    static func parse(_ text: String) -> [String]? {
        var characters = Array(text)
        // An explicit lower bound such as `[0:1]={a,b}` never appears for our columns.
        guard characters.first == "{", characters.last == "}" else { return nil }
        characters = Array(characters.dropFirst().dropLast())
        if characters.isEmpty { return [] }
        var values: [String] = []
        var index = 0
        while index <= characters.count {
            var value = ""
            if index < characters.count, characters[index] == "\"" {
                index += 1
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                    value.append(characters[index])
                    index += 1
                }
                guard index < characters.count else { return nil }
                index += 1
            } else {
                while index < characters.count, characters[index] != "," {
                    value.append(characters[index])
                    index += 1
                }
                if value == "NULL" { return nil }
            }
            values.append(value)
            guard index == characters.count || characters[index] == "," else { return nil }
            index += 1
        }
        return values
    }
}

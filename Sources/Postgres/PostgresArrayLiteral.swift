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
    /// Works on the UTF-8 bytes: the delimiters are all ASCII, so no `Character` is formed.
    static func parse(_ text: String) -> [String]? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
        var bytes = text.utf8[...]
        // An explicit lower bound such as `[0:1]={a,b}` never appears for our columns.
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        bytes = bytes.dropFirst().dropLast()
        if bytes.isEmpty { return [] }
        var values: [String] = []
        var index = bytes.startIndex
        while true {
            if index < bytes.endIndex, bytes[index] == quote {
                // Quoted: backslash escapes the next byte (ASCII `"` or `\\`, never a UTF-8 tail).
                var value: [UInt8] = []
                index = bytes.index(after: index)
                while index < bytes.endIndex, bytes[index] != quote {
                    if bytes[index] == backslash, bytes.index(after: index) < bytes.endIndex {
                        index = bytes.index(after: index)
                    }
                    value.append(bytes[index])
                    index = bytes.index(after: index)
                }
                guard index < bytes.endIndex else { return nil }
                index = bytes.index(after: index)
                values.append(String(decoding: value, as: UTF8.self))
            } else {
                let end = bytes[index...].firstIndex(of: comma) ?? bytes.endIndex
                let value = String(decoding: bytes[index..<end], as: UTF8.self)
                if value == "NULL" { return nil }
                values.append(value)
                index = end
            }
            if index == bytes.endIndex { return values }
            guard bytes[index] == comma else { return nil }
            index = bytes.index(after: index)
        }
    }
}

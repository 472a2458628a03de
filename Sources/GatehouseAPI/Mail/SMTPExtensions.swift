/// The service extensions an EHLO reply announces (RFC 5321 §4.1.1.1): one per line after the
/// greeting line, a keyword and its parameters (`AUTH PLAIN LOGIN`, `SIZE 35882577`).
struct SMTPExtensions: Sendable {
    private let entries: [String: [String]]

    init(ehloReply lines: [String]) {
        var entries: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            entries[keyword, default: []] += words.dropFirst()
        }
        self.entries = entries
    }

    func offers(_ keyword: String) -> Bool {
        entries[keyword.uppercased()] != nil
    }

    func parameters(of keyword: String) -> [String] {
        entries[keyword.uppercased()] ?? []
    }
}

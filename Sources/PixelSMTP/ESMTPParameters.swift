// ESMTPParameters: the `keyword[=value]` list after a MAIL/RCPT path (RFC 5321 4.1.2 esmtp-param,
// RFC 6531 allows UTF-8 in values).
// Guarantees: keywords are upper-cased; a keyword that appears twice is a 501 5.5.4; a malformed
// keyword or value (control characters, empty value after "=", "=" inside a value) is a 501 5.5.4;
// the number of parameters is bounded by `maxParameters`. Deciding which keywords are known is left
// to MailFrom / RcptTo, which answer 555 5.5.4 for unknown ones.

struct ESMTPParameter: Equatable {
    /// Upper-cased keyword.
    var keyword: String
    /// Raw value, or nil for a bare keyword.
    var value: String?
}

public enum ESMTPParameters {
    /// More than this many parameters on one command is refused (MAIL has at most 6 known ones).
    public static let maxParameters = 16

    /// Parses the bytes after the path. They must be empty or start with a space.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(SMTPError) -> [ESMTPParameter] {
        guard let first = bytes.first else { return [] }
        guard first == 0x20 else { throw .syntax("Error: parameters must follow the address after a space") }
        var result: [ESMTPParameter] = []
        for word in bytes.split(separator: 0x20) {
            guard result.count < maxParameters else { throw .syntax("Error: too many parameters") }
            let eq = word.firstIndex(of: UInt8(ascii: "="))
            let key = word[word.startIndex..<(eq ?? word.endIndex)]
            guard let f = key.first, MailPath.isAlnum(f),
                  key.allSatisfy({ MailPath.isAlnum($0) || $0 == UInt8(ascii: "-") }) else {
                throw .syntax("Error: bad parameter keyword")
            }
            let keyword = String(decoding: key.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
            var value: String?
            if let eq {
                let v = word[(eq + 1)...]
                guard !v.isEmpty else { throw .syntax("Error: empty value for \(keyword)") }
                guard v.allSatisfy({ ($0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "=")) || $0 >= 0x80 }),
                      let s = String(validating: v, as: UTF8.self) else {
                    throw .syntax("Error: bad value for \(keyword)")
                }
                value = s
            }
            guard !result.contains(where: { $0.keyword == keyword }) else {
                throw .syntax("Error: duplicate parameter \(keyword)")
            }
            result.append(ESMTPParameter(keyword: keyword, value: value))
        }
        return result
    }
}

extension ESMTPParameter {
    /// The value, or 501 when the keyword was given bare.
    func requiredValue() throws(SMTPError) -> String {
        guard let value else { throw .syntax("Error: \(keyword) needs a value") }
        return value
    }

    /// 501 when the keyword was given a value.
    func requireNoValue() throws(SMTPError) {
        if value != nil { throw .syntax("Error: \(keyword) takes no value") }
    }
}

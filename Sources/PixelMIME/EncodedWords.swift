// EncodedWords: RFC 2047 decoding of header values for diagnostics and logs ("=?charset?B?...?="
// and "=?charset?Q?...?="). Whitespace between adjacent encoded words is dropped as the RFC
// requires; malformed words are left as written. Never used to rewrite headers.

public enum EncodedWords {
    /// Decodes every encoded word of `value`.
    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var result = ""
        var rest = Substring(value)
        var pendingSpace = ""
        var lastWasWord = false
        while !rest.isEmpty {
            if rest.hasPrefix("=?"), let (text, length) = decodeWord(rest) {
                if !lastWasWord { result += pendingSpace }
                pendingSpace = ""
                result += text
                rest = rest.dropFirst(length)
                lastWasWord = true
                continue
            }
            let c = rest.first!
            if c == " " || c == "\t" || c == "\r" || c == "\n" {
                pendingSpace.append(c)
            } else {
                result += pendingSpace
                pendingSpace = ""
                result.append(c)
                lastWasWord = false
            }
            rest = rest.dropFirst()
        }
        return result + pendingSpace
    }

    /// Decodes one "=?cs?E?text?=" at the start of `s`: its text and length in characters.
    static func decodeWord(_ s: Substring) -> (String, Int)? {
        let parts = s.dropFirst(2).split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), parts[1].count == 1, !parts[0].isEmpty else { return nil }
        let charset = parts[0].split(separator: "*").first.map(String.init) ?? "" // RFC 2231 language
        let text = Array(parts[2].utf8)
        let bytes: [UInt8]
        switch parts[1].lowercased() {
        case "b": bytes = TransferCodec.decode(text, .base64).bytes
        case "q":
            var q: [UInt8] = []
            var i = 0
            while i < text.count {
                if text[i] == 95 { q.append(32); i += 1; continue } // '_'
                if text[i] == 61, i + 2 < text.count, let h = HeaderParameters.hexValue(text[i + 1]),
                   let l = HeaderParameters.hexValue(text[i + 2]) {
                    q.append(h << 4 | l); i += 3; continue
                }
                q.append(text[i]); i += 1
            }
            bytes = q
        default: return nil
        }
        let length = 2 + parts[0].count + 1 + 1 + 1 + parts[2].count + 2
        return (Charset.decodeToString(bytes, charset: charset), length)
    }
}

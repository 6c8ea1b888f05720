// HeaderParameters: parses structured MIME header values of the form
// `token *(";" name "=" value)` (Content-Type, Content-Disposition): RFC 822 comments are
// skipped, quoted strings unescaped, names lower-cased, and RFC 2231 parameter continuations
// (`name*0=`, `name*1*=`) and charset/percent encodings (`name*=utf-8''%E2%82%AC`) assembled.
// Never fails: anything malformed is skipped and reported through `defects`.

enum HeaderParameters {
    /// The leading token (e.g. "text/html") lower-cased, and the parameters.
    static func parse(_ value: String, defects: inout [String]) -> (lead: String, parameters: [String: String]) {
        let bytes = stripComments(Array(value.utf8))
        let segments = splitOutsideQuotes(bytes, separator: 59) // ';'
        guard let first = segments.first else { return ("", [:]) }
        let lead = String(decoding: trim(first), as: UTF8.self).lowercased()
        var plain: [String: String] = [:]
        var pieces: [String: [(index: Int, encoded: Bool, value: [UInt8])]] = [:]
        for segment in segments.dropFirst() {
            let seg = trim(segment)
            if seg.isEmpty { continue }
            guard let eq = seg.firstIndex(of: 61) else { // '='
                defects.append("parameter without value: \(String(decoding: seg, as: UTF8.self))")
                continue
            }
            let rawName = String(decoding: trim(seg[..<eq]), as: UTF8.self).lowercased()
            let rawValue = valueBytes(trim(seg[(eq + 1)...]))
            if rawName.isEmpty { continue }
            // RFC 2231: name*  |  name*N  |  name*N*
            if let star = rawName.firstIndex(of: "*") {
                let base = String(rawName[..<star])
                let rest = rawName[rawName.index(after: star)...]
                var encoded = false
                var index = 0
                if rest.isEmpty {
                    encoded = true
                } else {
                    var digits = Substring(rest)
                    if digits.hasSuffix("*") { encoded = true; digits = digits.dropLast() }
                    guard let n = Int(digits), n >= 0, n < 10_000 else {
                        defects.append("bad RFC 2231 parameter name \(rawName)")
                        continue
                    }
                    index = n
                }
                pieces[base, default: []].append((index, encoded, rawValue))
            } else if plain[rawName] == nil {
                plain[rawName] = String(decoding: rawValue, as: UTF8.self)
            }
        }
        var parameters = plain
        for (name, list) in pieces {
            if let value = assemble(list.sorted { $0.index < $1.index }) { parameters[name] = value }
        }
        return (lead, parameters)
    }

    /// Joins RFC 2231 pieces: the first encoded piece may carry `charset'language'`.
    static func assemble(_ list: [(index: Int, encoded: Bool, value: [UInt8])]) -> String? {
        guard !list.isEmpty else { return nil }
        var charset = "utf-8"
        var out: [UInt8] = []
        for (i, piece) in list.enumerated() {
            var value = piece.value[...]
            if piece.encoded {
                if i == 0 {
                    let quotes = value.indices.filter { value[$0] == 39 } // '\''
                    if quotes.count >= 2 {
                        let cs = String(decoding: value[value.startIndex..<quotes[0]], as: UTF8.self)
                        if !cs.isEmpty { charset = cs }
                        value = value[(quotes[1] + 1)...]
                    }
                }
                out.append(contentsOf: percentDecode(value))
            } else {
                out.append(contentsOf: value)
            }
        }
        return Charset.decodeToString(out, charset: charset)
    }

    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == 37, i + 2 < bytes.endIndex,
               let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    /// Removes RFC 822 comments "( ... )" (nested, with quoted-pairs) outside quoted strings.
    static func stripComments(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(40) else { return bytes } // '('
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var depth = 0, inQuote = false, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 92, i + 1 < bytes.count, inQuote || depth > 0 { // backslash
                if depth == 0 { out.append(b); out.append(bytes[i + 1]) }
                i += 2
                continue
            }
            if depth == 0 && b == 34 { inQuote.toggle() }
            if !inQuote {
                if b == 40 { depth += 1; i += 1; continue }
                if b == 41 && depth > 0 { depth -= 1; i += 1; continue }
            }
            if depth == 0 { out.append(b) }
            i += 1
        }
        return out
    }

    static func splitOutsideQuotes(_ bytes: [UInt8], separator: UInt8) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0, inQuote = false, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuote && b == 92 { i += 2; continue }
            if b == 34 { inQuote.toggle() } else if b == separator && !inQuote {
                result.append(bytes[start..<i])
                start = i + 1
            }
            i += 1
        }
        result.append(bytes[start..<min(bytes.count, max(start, bytes.count))])
        return result
    }

    static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi && (s[lo] == 32 || s[lo] == 9 || s[lo] == 13 || s[lo] == 10) { lo += 1 }
        while hi > lo && (s[hi - 1] == 32 || s[hi - 1] == 9 || s[hi - 1] == 13 || s[hi - 1] == 10) { hi -= 1 }
        return s[lo..<hi]
    }

    /// A parameter value: a quoted string (unquoted), else a token, which ends at whitespace
    /// (as in Python's email: "boundary=b0 x=1" has the boundary "b0"). Other specials inside an
    /// unquoted value are tolerated, as real mailers write them.
    static func valueBytes(_ s: ArraySlice<UInt8>) -> [UInt8] {
        if s.first == 34 { return unquote(s) }
        let end = s.firstIndex { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 } ?? s.endIndex
        return Array(s[s.startIndex..<end])
    }

    /// Removes surrounding double quotes and quoted-pair backslashes.
    static func unquote(_ s: ArraySlice<UInt8>) -> [UInt8] {
        guard s.count >= 1, s.first == 34 else { return Array(s) }
        var out: [UInt8] = []
        var i = s.startIndex + 1
        while i < s.endIndex {
            let b = s[i]
            if b == 34 { break }
            if b == 92 && i + 1 < s.endIndex { out.append(s[i + 1]); i += 2; continue }
            out.append(b)
            i += 1
        }
        return out
    }
}

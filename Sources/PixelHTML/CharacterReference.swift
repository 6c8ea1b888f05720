// CharacterReference: decodes HTML character references in attribute values as the WHATWG
// "character reference state" does for attributes: numeric (&#47; &#x2F;, with or without ';'),
// the named references that matter in URLs and styles, and the legacy no-semicolon rule
// (`&amp` followed by '=' or an alphanumeric stays literal in attributes).
// Guarantees: never fails; invalid code points become U+FFFD; optional offset map (decoded index ->
// raw index) lets callers map ranges found in decoded text back to raw bytes.

enum CharacterReference {
    /// Named references decoded with a ';'. Values are Unicode scalars.
    static let named: [String: [UInt32]] = [
        "amp": [0x26], "lt": [0x3C], "gt": [0x3E], "quot": [0x22], "apos": [0x27], "nbsp": [0xA0],
        "sol": [0x2F], "colon": [0x3A], "equals": [0x3D], "quest": [0x3F], "num": [0x23], "percnt": [0x25],
        "period": [0x2E], "comma": [0x2C], "lpar": [0x28], "rpar": [0x29], "lowbar": [0x5F], "hyphen": [0x2010],
        "plus": [0x2B], "semi": [0x3B], "excl": [0x21], "dollar": [0x24], "commat": [0x40], "tilde": [0x2DC],
        "ast": [0x2A], "midast": [0x2A], "lsqb": [0x5B], "lbrack": [0x5B], "rsqb": [0x5D], "rbrack": [0x5D],
        "verbar": [0x7C], "vert": [0x7C], "grave": [0x60], "Hat": [0x5E], "lcub": [0x7B], "lbrace": [0x7B],
        "rcub": [0x7D], "rbrace": [0x7D], "bsol": [0x5C], "NewLine": [0x0A], "Tab": [0x09], "AMP": [0x26],
        "QUOT": [0x22], "LT": [0x3C], "GT": [0x3E], "copy": [0xA9], "reg": [0xAE], "shy": [0xAD],
        "middot": [0xB7], "laquo": [0xAB], "raquo": [0xBB], "euro": [0x20AC], "ndash": [0x2013],
        "mdash": [0x2014], "hellip": [0x2026], "zwnj": [0x200C], "zwj": [0x200D], "dash": [0x2010],
        "eacute": [0xE9], "egrave": [0xE8], "agrave": [0xE0], "ccedil": [0xE7], "uuml": [0xFC],
        "ouml": [0xF6], "auml": [0xE4], "szlig": [0xDF], "lsquo": [0x2018], "rsquo": [0x2019],
        "ldquo": [0x201C], "rdquo": [0x201D], "bull": [0x2022], "trade": [0x2122], "deg": [0xB0],
    ]

    /// Legacy references the WHATWG decodes without ';' (subset relevant to URLs and text).
    static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "QUOT", "LT", "GT",
                                      "shy", "middot", "laquo", "raquo", "deg", "eacute", "egrave", "agrave",
                                      "ccedil", "uuml", "ouml", "auml", "szlig"]

    /// Windows-1252 remapping of numeric references 0x80...0x9F (WHATWG table).
    static let c1: [UInt32] = [0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
                               0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C,
                               0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153,
                               0x9D, 0x017E, 0x0178]

    /// True if the range contains '&' (fast check before decoding).
    static func needsDecoding(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        ASCII.find(0x26, p, from: r.lowerBound, to: r.upperBound) != nil
    }

    /// Decodes `p[r]` as an attribute value. When `map` is non-nil it receives, for every decoded
    /// byte index i, the raw index it came from, plus one final entry for the end (count + 1 entries).
    static func decodeAttribute(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, map: UnsafeMutablePointer<[Int]>? = nil) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(r.count)
        var i = r.lowerBound
        let end = r.upperBound
        func emit(_ bytes: [UInt8], from raw: Int) {
            out.append(contentsOf: bytes)
            if let m = map { for _ in bytes { m.pointee.append(raw) } }
        }
        while i < end {
            let b = p[i]
            if b != 0x26 {
                out.append(b)
                map?.pointee.append(i)
                i += 1
                continue
            }
            if let (scalars, consumed) = reference(p, at: i, end: end) {
                emit(utf8(scalars), from: i)
                i += consumed
            } else {
                out.append(b)
                map?.pointee.append(i)
                i += 1
            }
        }
        map?.pointee.append(end)
        return out
    }

    /// Parses one reference starting at `p[at] == '&'`. Returns the scalars and bytes consumed, or nil
    /// when the text is not decoded (left literal).
    static func reference(_ p: UnsafeRawBufferPointer, at: Int, end: Int) -> ([UInt32], Int)? {
        var j = at + 1
        guard j < end else { return nil }
        if p[j] == 0x23 { // '#'
            j += 1
            var hex = false
            if j < end && (p[j] | 0x20) == 0x78 { hex = true; j += 1 }
            let digitsStart = j
            var value: UInt32 = 0
            while j < end {
                let b = p[j]
                let d: UInt32?
                if hex { d = ASCII.hexValue(b) } else { d = ASCII.isDigit(b) ? UInt32(b - 0x30) : nil }
                guard let dv = d else { break }
                value = value > 0x10FFFF ? value : value &* (hex ? 16 : 10) &+ dv
                j += 1
            }
            guard j > digitsStart else { return nil }
            if j < end && p[j] == 0x3B { j += 1 }
            return ([sanitize(value)], j - at)
        }
        // Named: longest alphanumeric run (bounded).
        let nameStart = j
        while j < end && ASCII.isAlnum(p[j]) && j - nameStart < 32 { j += 1 }
        guard j > nameStart else { return nil }
        let name = ASCII.string(p, nameStart..<j)
        if j < end && p[j] == 0x3B, let v = named[name] { return (v, j + 1 - at) }
        // No ';': legacy names only, and only if not followed by '=' or alnum (attribute rule).
        // Try the longest legacy prefix of the run.
        var k = j
        while k > nameStart {
            let candidate = ASCII.string(p, nameStart..<k)
            if legacy.contains(candidate), let v = named[candidate] {
                if k < end && (p[k] == 0x3D || ASCII.isAlnum(p[k])) { return nil }
                return (v, k - at)
            }
            k -= 1
        }
        return nil
    }

    static func sanitize(_ v: UInt32) -> UInt32 {
        if v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) { return 0xFFFD }
        if v >= 0x80 && v <= 0x9F { return c1[Int(v - 0x80)] }
        return v
    }

    static func utf8(_ scalars: [UInt32]) -> [UInt8] {
        var out = [UInt8]()
        for v in scalars {
            let s = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(s)).utf8))
        }
        return out
    }
}

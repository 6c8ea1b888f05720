// CharsetTables: the mapping tables of the single-byte charsets (upper halves of ISO-8859-15
// and Windows-1252; ISO-8859-1 is the identity) and the ASCII approximations used for
// text/plain. Data only.

enum CharsetTables {
    /// Windows-1252 0x80...0xFF -> Unicode (WHATWG: the five undefined bytes map to C1 controls).
    static let cp1252Decode: [UInt32] = {
        let high: [UInt32] = [0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                              0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
                              0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                              0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178]
        return high + (0xA0...0xFF).map { UInt32($0) }
    }()

    static let cp1252Encode: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (i, v) in cp1252Decode.enumerated() where i < 32 { map[v] = UInt8(0x80 + i) }
        return map
    }()

    /// ISO-8859-15 0x80...0xFF -> Unicode (eight positions differ from ISO-8859-1).
    static let latin9Decode: [UInt32] = {
        var t = (0x80...0xFF).map { UInt32($0) }
        let diffs: [(Int, UInt32)] = [(0xA4, 0x20AC), (0xA6, 0x0160), (0xA8, 0x0161), (0xB4, 0x017D),
                                      (0xB8, 0x017E), (0xBC, 0x0152), (0xBD, 0x0153), (0xBE, 0x0178)]
        for (b, u) in diffs { t[b - 0x80] = u }
        return t
    }()

    static let latin9Encode: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in [0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE] { map[latin9Decode[b - 0x80]] = UInt8(b) }
        return map
    }()

    /// Explicit ASCII spellings for characters that have no decomposition to ASCII.
    static let asciiSpellings: [UInt32: String] = [
        0x00C6: "AE", 0x00E6: "ae", 0x0152: "OE", 0x0153: "oe", 0x00DF: "ss", 0x00D8: "O", 0x00F8: "o",
        0x0141: "L", 0x0142: "l", 0x0110: "D", 0x0111: "d", 0x00D0: "D", 0x00F0: "d", 0x00DE: "Th", 0x00FE: "th",
        0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'", 0x2032: "'", 0x00B4: "'",
        0x201C: "\"", 0x201D: "\"", 0x201E: "\"", 0x201F: "\"", 0x2033: "\"",
        0x00AB: "<<", 0x00BB: ">>", 0x2039: "<", 0x203A: ">",
        0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-", 0x2212: "-",
        0x2026: "...", 0x2022: "*", 0x00B7: ".", 0x20AC: "EUR", 0x00A3: "GBP", 0x00A5: "JPY", 0x00A2: "c",
        0x00A9: "(c)", 0x00AE: "(R)", 0x2122: "(TM)", 0x00B0: "deg", 0x00D7: "x", 0x00F7: "/",
        0x00A0: " ", 0x202F: " ", 0x2007: " ", 0x2009: " ", 0x200A: " ", 0x2002: " ", 0x2003: " ",
        0x200B: "", 0x200C: "", 0x200D: "", 0xFEFF: "", 0x00AD: "",
        0x2192: "->", 0x2190: "<-", 0x00BC: "1/4", 0x00BD: "1/2", 0x00BE: "3/4",
    ]
}

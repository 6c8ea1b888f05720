// Charset: recognises the charsets pixelgate rewrites in (UTF-8, US-ASCII, ISO-8859-1,
// ISO-8859-15, Windows-1252, with their usual aliases), tells ASCII-compatible charsets from
// the others (UTF-16/32, UTF-7, ISO-2022-*, EBCDIC...), encodes inserted text into a part's own
// charset, and decodes for diagnostics. Guarantees: encoding never produces bytes that the
// target charset reads differently; a character it cannot hold becomes `&#N;` (HTML) or an ASCII
// fallback (text/plain, see `encodePlainText`). An unknown ASCII-compatible charset gets ASCII only.

public enum Charset: Sendable, Equatable {
    case utf8
    case usASCII
    case iso8859_1
    case iso8859_15
    case windows1252
    /// Unknown but ASCII-compatible (bytes < 0x80 are ASCII): only ASCII is ever written into it.
    case otherASCIICompatible(String)
    /// Not ASCII-compatible: never scanned bytewise nor written into.
    case notASCIICompatible(String)

    /// Resolves a charset label (case-insensitive, aliases accepted).
    public init(name: String) {
        let n = name.trimmingASCIIWhitespace().lowercased()
        switch n {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode-2-0-utf-8":
            self = .utf8
        case "us-ascii", "ascii", "us", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso646-us", "iso_646.irv:1991",
             "cp367", "ibm367", "iso-ir-6", "csascii", "646":
            self = .usASCII
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1", "l1",
             "cp819", "ibm819", "iso-ir-100", "csisolatin1", "iso88591", "8859-1":
            self = .iso8859_1
        case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9", "iso885915",
             "csisolatin9", "latin0", "8859-15":
            self = .iso8859_15
        case "windows-1252", "cp1252", "win-1252", "x-cp1252", "windows1252", "cswindows1252", "ms-ansi":
            self = .windows1252
        default:
            self = Charset.unknownNameIsASCIICompatible(n) ? .otherASCIICompatible(n) : .notASCIICompatible(n)
        }
    }

    /// The canonical label.
    public var name: String {
        switch self {
        case .utf8: return "utf-8"
        case .usASCII: return "us-ascii"
        case .iso8859_1: return "iso-8859-1"
        case .iso8859_15: return "iso-8859-15"
        case .windows1252: return "windows-1252"
        case .otherASCIICompatible(let n), .notASCIICompatible(let n): return n
        }
    }

    /// False for charsets whose bytes below 0x80 are not ASCII (UTF-16/32, UCS-2/4, UTF-7,
    /// ISO-2022-*, HZ, EBCDIC code pages...). Unknown names are assumed ASCII-compatible.
    public static func isASCIICompatible(_ name: String) -> Bool {
        if case .notASCIICompatible = Charset(name: name) { return false }
        return true
    }

    /// Prefixes of the labels that are not ASCII-compatible (see `isASCIICompatible`).
    static let notASCIIPrefixes = ["utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4", "utf-7", "utf7",
                                   "iso-2022", "iso2022", "csiso2022", "hz-gb", "hz", "unicode", "csunicode", "ebcdic",
                                   "x-ebcdic", "utf-ebcdic", "cp037", "ibm037", "cp500", "ibm500", "cp875", "cp1026",
                                   "cp1047", "ibm1047", "cp273", "ibm273", "cp1140", "cp1141", "cp1142", "cp1143",
                                   "cp1144", "cp1145", "cp1146", "cp1147", "cp1148", "cp1149", "ibm-1047", "x-mac-ce-ebcdic",
                                   "csunicode11utf7", "scsu", "bocu-1"]

    /// The rule for a label none of the known cases matched (`n` trimmed and lower-cased).
    static func unknownNameIsASCIICompatible(_ n: String) -> Bool {
        !notASCIIPrefixes.contains { n == $0 || n.hasPrefix($0 + "-") || n.hasPrefix($0 + "_") || (n.hasPrefix($0) && $0.count > 3) }
    }

    /// Encodes `text` for insertion into an HTML part in charset `charset`: characters the charset
    /// cannot hold become decimal numeric character references `&#N;`. For a charset that is not
    /// ASCII-compatible the result is ASCII, which that charset reads differently: callers check
    /// `isASCIICompatible` first and leave such parts alone.
    public static func encode(text: String, charset: String) -> [UInt8] {
        Charset(name: charset).encode(text, fallback: .numericCharacterReference)
    }

    /// Encodes `text` for a text/plain part: characters the charset cannot hold are replaced by
    /// an ASCII fallback: letters lose their diacritics (é -> e, Ç -> C), ligatures and a few
    /// letters are spelled out (œ -> oe, æ -> ae, ß -> ss, ø -> o), typographic quotes become
    /// ' and ", dashes -, the ellipsis ..., « » become << >>, € EUR, no-break spaces a space;
    /// anything else becomes "?".
    public static func encodePlainText(text: String, charset: String) -> [UInt8] {
        Charset(name: charset).encode(text, fallback: .asciiApproximation)
    }

    /// Decodes bytes for display/diagnostics. Invalid or unmappable bytes become U+FFFD; an
    /// unknown ASCII-compatible charset decodes ASCII only.
    public static func decodeToString<C: Collection>(_ bytes: C, charset: String) -> String where C.Element == UInt8 {
        Charset(name: charset).decode(bytes)
    }

    public enum Fallback: Sendable {
        case numericCharacterReference
        case asciiApproximation
    }

    /// Encodes with the given fallback for unrepresentable characters.
    public func encode(_ text: String, fallback: Fallback) -> [UInt8] {
        if case .utf8 = self { return Array(text.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let b = byte(for: scalar) {
                out.append(b)
                continue
            }
            switch fallback {
            case .numericCharacterReference:
                out.append(contentsOf: Array("&#\(scalar.value);".utf8))
            case .asciiApproximation:
                for s in ASCIIFallback.approximate(scalar).unicodeScalars {
                    out.append(byte(for: s) ?? 63)
                }
            }
        }
        return out
    }

    /// The single byte that encodes `scalar` in this (single-byte or ASCII) charset, if any.
    func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 0x80 { return UInt8(v) }
        switch self {
        case .iso8859_1:
            return v <= 0xFF ? UInt8(v) : nil
        case .iso8859_15:
            if let b = CharsetTables.latin9Encode[v] { return b }
            if v <= 0xFF && CharsetTables.latin9Decode[Int(v) - 0x80] == v { return UInt8(v) }
            return nil
        case .windows1252:
            if let b = CharsetTables.cp1252Encode[v] { return b }
            if v >= 0xA0 && v <= 0xFF { return UInt8(v) }
            return nil
        default:
            return nil
        }
    }

    public func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        switch self {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .iso8859_1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .iso8859_15, .windows1252:
            let table = self == .windows1252 ? CharsetTables.cp1252Decode : CharsetTables.latin9Decode
            var view = String.UnicodeScalarView()
            for b in bytes {
                if b < 0x80 { view.append(Unicode.Scalar(b)) } else {
                    view.append(Unicode.Scalar(table[Int(b) - 0x80]) ?? "\u{FFFD}")
                }
            }
            return String(view)
        case .usASCII, .otherASCIICompatible, .notASCIICompatible:
            var view = String.UnicodeScalarView()
            for b in bytes { view.append(b < 0x80 ? Unicode.Scalar(b) : "\u{FFFD}") }
            return String(view)
        }
    }
}

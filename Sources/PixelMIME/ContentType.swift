// ContentType, TransferEncoding and Disposition: the typed values of a part's Content-Type,
// Content-Transfer-Encoding and Content-Disposition headers, with the RFC 2045/2046 defaults
// (text/plain; charset=us-ascii, 7bit; message/rfc822 inside multipart/digest). Parsing never
// fails: an invalid value falls back to the default and is reported as a defect.

/// A parsed Content-Type. `type` and `subtype` are lower case; parameter names are lower case.
public struct ContentType: Sendable, Equatable {
    public var type: String
    public var subtype: String
    /// Parameters by lower-cased name; RFC 2231 continuations and encodings already joined.
    public var parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// "type/subtype".
    public var mimeType: String { type + "/" + subtype }
    /// The charset parameter, lower-cased and trimmed, if present.
    public var charset: String? {
        parameters["charset"].map { $0.trimmingASCIIWhitespace().lowercased() }
    }
    /// The boundary parameter with trailing whitespace removed (as Python's email does).
    public var boundary: String? {
        guard let b = parameters["boundary"] else { return nil }
        var s = Substring(b)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
    public var isMultipart: Bool { type == "multipart" }
    /// message/rfc822 or message/global: an encapsulated message.
    public var isEncapsulatedMessage: Bool { type == "message" && (subtype == "rfc822" || subtype == "global") }
    public var isText: Bool { type == "text" }

    /// RFC 2045 default: text/plain; charset=us-ascii.
    public static let textPlainDefault = ContentType(type: "text", subtype: "plain", parameters: ["charset": "us-ascii"])
    /// RFC 2046 5.1.5 default inside multipart/digest.
    public static let messageRFC822Default = ContentType(type: "message", subtype: "rfc822")

    /// Parses a Content-Type value. Returns nil (caller applies its default) when the value has
    /// no valid `type/subtype`.
    static func parse(_ value: String, defects: inout [String]) -> ContentType? {
        let (lead, parameters) = HeaderParameters.parse(value, defects: &defects)
        // type "/" subtype, exactly one slash (split on the UTF-8 view: "/" is ASCII).
        let u = lead.utf8
        guard let slash = u.firstIndex(of: 47) else {
            defects.append("invalid Content-Type \"\(value.prefix(80))\"")
            return nil
        }
        let type = lead[..<slash], subtype = lead[u.index(after: slash)...]
        guard !subtype.utf8.contains(47), isToken(type), isToken(subtype) else {
            defects.append("invalid Content-Type \"\(value.prefix(80))\"")
            return nil
        }
        return ContentType(type: String(type), subtype: String(subtype), parameters: parameters)
    }

    static func isToken(_ s: Substring) -> Bool {
        guard !s.isEmpty else { return false }
        for b in s.utf8 {
            if b <= 32 || b >= 127 { return false }
            switch b {
            case 40, 41, 60, 62, 64, 44, 59, 58, 92, 34, 47, 91, 93, 63, 61: return false
            default: continue
            }
        }
        return true
    }
}

/// Content-Transfer-Encoding values (RFC 2045 6.1). Unknown values are kept in `.other`.
public enum TransferEncoding: Sendable, Equatable, Hashable, CustomStringConvertible {
    case sevenBit
    case eightBit
    case binary
    case quotedPrintable
    case base64
    case other(String)

    /// Parses a header value, case-insensitively; a missing header means `.sevenBit`.
    public init(headerValue: String?) {
        guard let raw = headerValue else { self = .sevenBit; return }
        let v = raw.trimmingASCIIWhitespace().lowercased()
        switch v {
        case "7bit", "": self = .sevenBit
        case "8bit": self = .eightBit
        case "binary": self = .binary
        case "quoted-printable": self = .quotedPrintable
        case "base64": self = .base64
        default: self = .other(v)
        }
    }

    /// The header token for this encoding.
    public var description: String {
        switch self {
        case .sevenBit: return "7bit"
        case .eightBit: return "8bit"
        case .binary: return "binary"
        case .quotedPrintable: return "quoted-printable"
        case .base64: return "base64"
        case .other(let s): return s
        }
    }

    /// True for the identity encodings (the body is the content).
    public var isIdentity: Bool {
        switch self {
        case .sevenBit, .eightBit, .binary: return true
        default: return false
        }
    }
}

/// Content-Disposition (RFC 2183).
public struct Disposition: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case inline
        case attachment
        case other(String)
    }
    public var kind: Kind
    /// Parameters by lower-cased name (RFC 2231 joined).
    public var parameters: [String: String]
    /// The filename parameter, if any.
    public var filename: String? { parameters["filename"] }

    public init(kind: Kind, parameters: [String: String] = [:]) {
        self.kind = kind
        self.parameters = parameters
    }

    static func parse(_ value: String, defects: inout [String]) -> Disposition {
        let (lead, parameters) = HeaderParameters.parse(value, defects: &defects)
        let kind: Kind
        switch lead {
        case "inline": kind = .inline
        case "attachment": kind = .attachment
        default: kind = .other(lead)
        }
        return Disposition(kind: kind, parameters: parameters)
    }
}

extension String {
    /// Trims ASCII space, tab, CR and LF from both ends.
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" || f == "\r\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" || l == "\r\n" { s = s.dropLast() }
        return String(s)
    }
}

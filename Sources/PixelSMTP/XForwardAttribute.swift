// XForwardAttribute: one `NAME=value` of Postfix's XFORWARD command
// (https://www.postfix.org/XFORWARD_README.html).
// Guarantees: names are one of the ten Postfix defines (case-insensitive on input); values are
// xtext-decoded, at most `maxValueLength` octets, and contain no control characters; the special
// values `[UNAVAILABLE]` and `[TEMPUNAVAIL]` are kept as-is and reported by `isUnavailable`.
// `encoded()` produces the wire form back (xtext-encoded) for forwarding upstream.

public struct XForwardAttribute: Sendable, Equatable {
    public enum Name: String, Sendable, CaseIterable {
        case name = "NAME"
        case addr = "ADDR"
        case port = "PORT"
        case proto = "PROTO"
        case helo = "HELO"
        case ident = "IDENT"
        case source = "SOURCE"
        case login = "LOGIN"
        case destaddr = "DESTADDR"
        case destport = "DESTPORT"
    }

    /// Postfix limits each value to a hostname or address; 255 is ample.
    public static let maxValueLength = 255

    public var name: Name
    /// Decoded value.
    public var value: String

    public init(name: Name, value: String) {
        self.name = name
        self.value = value
    }

    /// `[UNAVAILABLE]` or `[TEMPUNAVAIL]`: Postfix did not know the value.
    public var isUnavailable: Bool { value == "[UNAVAILABLE]" || value == "[TEMPUNAVAIL]" }

    /// `NAME=xtext`.
    public func encoded() -> String { name.rawValue + "=" + XText.encode(value) }

    /// Parses `NAME=xtext`.
    static func parse(_ word: ArraySlice<UInt8>) throws(SMTPError) -> XForwardAttribute {
        guard let eq = word.firstIndex(of: UInt8(ascii: "=")) else {
            throw .syntax("Error: bad XFORWARD attribute syntax")
        }
        let rawName = String(decoding: word[word.startIndex..<eq], as: UTF8.self).uppercased()
        guard let name = Name(rawValue: rawName) else {
            throw .syntax("Error: bad XFORWARD attribute name: \(rawName.prefix(20))")
        }
        let raw = Array(word[(eq + 1)...])
        guard let decoded = XText.decodeBytes(raw), decoded.count <= maxValueLength,
              !decoded.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              let value = String(validating: decoded, as: UTF8.self) else {
            throw .syntax("Error: bad XFORWARD attribute value for \(rawName)")
        }
        return XForwardAttribute(name: name, value: value)
    }
}

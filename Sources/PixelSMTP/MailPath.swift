// MailPath: the envelope path grammar of MAIL FROM and RCPT TO (RFC 5321 4.1.2, RFC 6531 for UTF-8).
// Guarantees:
// - Accepts `<local@domain>`, `<>` (reverse path only), `<postmaster>` (forward path only), source
//   routes `<@a,@b:local@domain>` (the route is stripped), quoted local parts, address literals
//   `[192.0.2.1]` / `[IPv6:...]`, and UTF-8 in local part and domain (SMTPUTF8 decides later whether
//   that is allowed). Like Postfix's default (smtpd_strict_rfc821_envelope = no) a path without angle
//   brackets is accepted when it is a single word, and dots in the local part are not policed.
// - Refuses control characters, spaces outside quotes, empty labels, and lengths over the
//   `AddressLimits` (local part 64, domain 255, path 256 octets by default) with 501 and the enhanced
//   code of the path (5.1.7 sender, 5.1.3 recipient). The address is returned exactly as sent.

/// Length limits for envelope addresses, in octets (RFC 5321 4.5.3.1).
public struct AddressLimits: Sendable, Equatable {
    public var maxLocalPart: Int
    public var maxDomain: Int
    /// Including the angle brackets.
    public var maxPath: Int

    public init(maxLocalPart: Int = 64, maxDomain: Int = 255, maxPath: Int = 256) {
        self.maxLocalPart = maxLocalPart
        self.maxDomain = maxDomain
        self.maxPath = maxPath
    }

    public static let `default` = AddressLimits()
}

enum PathKind {
    /// MAIL FROM: may be `<>`.
    case reverse
    /// RCPT TO: may be `<postmaster>`.
    case forward

    var enhanced: String { self == .reverse ? "5.1.7" : "5.1.3" }
    var noun: String { self == .reverse ? "sender" : "recipient" }

    func error(_ text: String) -> SMTPError {
        SMTPError(SMTPReply(501, enhanced, "Error: bad \(noun) address syntax: \(text)"))
    }
}

enum MailPath {
    /// Parses a path at the start of `bytes`; returns the address and the bytes after the path.
    static func parse(_ bytes: ArraySlice<UInt8>, kind: PathKind, limits: AddressLimits)
        throws(SMTPError) -> (address: String, rest: ArraySlice<UInt8>) {
        guard let first = bytes.first else { throw kind.error("missing address") }
        var inner: ArraySlice<UInt8>
        var rest: ArraySlice<UInt8>
        if first == UInt8(ascii: "<") {
            guard let close = closingBracket(bytes) else { throw kind.error("missing >") }
            inner = bytes[(bytes.startIndex + 1)..<close]
            rest = bytes[(close + 1)...]
        } else {
            let end = bytes.firstIndex(of: 0x20) ?? bytes.endIndex
            inner = bytes[bytes.startIndex..<end]
            rest = bytes[end...]
            if inner.contains(UInt8(ascii: ">")) || inner.contains(UInt8(ascii: "<")) {
                throw kind.error("unbalanced angle brackets")
            }
        }
        if inner.isEmpty {
            guard kind == .reverse else { throw kind.error("empty address") }
            return ("", rest)
        }
        if inner.first == UInt8(ascii: "@") {
            // Source route: "@a,@b:" is obsolete; strip it (RFC 5321 4.1.2 / C).
            guard let colon = firstUnquoted(UInt8(ascii: ":"), in: inner) else { throw kind.error("bad source route") }
            let route = inner[inner.startIndex..<colon]
            guard route.allSatisfy({ isDomainByte($0) || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ".") }) else {
                throw kind.error("bad source route")
            }
            inner = inner[(colon + 1)...]
        }
        guard inner.count + 2 <= limits.maxPath else { throw kind.error("path too long") }
        let address = try mailbox(inner, kind: kind, limits: limits)
        return (address, rest)
    }

    /// Validates `local@domain` (or `postmaster` for a forward path) and returns it as a String.
    static func mailbox(_ m: ArraySlice<UInt8>, kind: PathKind, limits: AddressLimits) throws(SMTPError) -> String {
        guard !m.isEmpty else { throw kind.error("empty address") }
        guard let at = lastUnquoted(UInt8(ascii: "@"), in: m) else {
            if kind == .forward, asciiLowercased(m) == Array("postmaster".utf8) {
                return String(decoding: m, as: UTF8.self)
            }
            throw kind.error("address has no domain")
        }
        let local = m[m.startIndex..<at]
        let domain = m[(at + 1)...]
        guard !local.isEmpty else { throw kind.error("empty local part") }
        guard local.count <= limits.maxLocalPart else { throw kind.error("local part too long") }
        guard !domain.isEmpty else { throw kind.error("empty domain") }
        guard domain.count <= limits.maxDomain else { throw kind.error("domain too long") }
        guard validLocalPart(local) else { throw kind.error("invalid local part") }
        guard validDomain(domain) else { throw kind.error("invalid domain") }
        guard let s = String(validating: m, as: UTF8.self) else { throw kind.error("invalid UTF-8") }
        return s
    }

    // MARK: - Grammar pieces

    /// Index of the `>` closing a path that starts with `<`, skipping quoted strings.
    static func closingBracket(_ b: ArraySlice<UInt8>) -> Int? {
        var i = b.startIndex + 1
        var quoted = false
        while i < b.endIndex {
            let c = b[i]
            if quoted {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { quoted = false }
            } else if c == UInt8(ascii: "\"") {
                quoted = true
            } else if c == UInt8(ascii: ">") {
                return i
            } else if c == UInt8(ascii: "<") {
                return nil
            }
            i += 1
        }
        return nil
    }

    static func firstUnquoted(_ target: UInt8, in b: ArraySlice<UInt8>) -> Int? {
        unquoted(target, in: b, last: false)
    }

    static func lastUnquoted(_ target: UInt8, in b: ArraySlice<UInt8>) -> Int? {
        unquoted(target, in: b, last: true)
    }

    /// The first (or last) `target` outside quoted strings; nil when absent or (for `last`) when a
    /// quoted string is left open.
    private static func unquoted(_ target: UInt8, in b: ArraySlice<UInt8>, last: Bool) -> Int? {
        var found: Int?
        var quoted = false
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            if quoted {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { quoted = false }
            } else if c == UInt8(ascii: "\"") {
                quoted = true
            } else if c == target {
                if !last { return i }
                found = i
            }
            i += 1
        }
        return quoted ? nil : found
    }

    /// Dot-string (dots not policed, as Postfix) or Quoted-string; UTF-8 allowed (RFC 6531).
    static func validLocalPart(_ l: ArraySlice<UInt8>) -> Bool {
        if l.first == UInt8(ascii: "\"") {
            guard l.count >= 2, l.last == UInt8(ascii: "\"") else { return false }
            var i = l.startIndex + 1
            let end = l.endIndex - 1
            while i < end {
                let c = l[i]
                if c == UInt8(ascii: "\\") {
                    // quoted-pair: backslash then %d32-126
                    guard i + 1 < end, l[i + 1] >= 0x20, l[i + 1] <= 0x7E else { return false }
                    i += 2
                    continue
                }
                // qtextSMTP: %d32-33 / %d35-91 / %d93-126, plus UTF-8
                guard c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80 else {
                    return false
                }
                i += 1
            }
            return true
        }
        return l.allSatisfy { isAtext($0) || $0 == UInt8(ascii: ".") }
    }

    static func isAtext(_ c: UInt8) -> Bool {
        if c >= 0x80 { return true }
        if isAlnum(c) { return true }
        switch c {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
             UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    /// Letters, digits, hyphen, underscore (seen in the wild) and UTF-8 (U-labels).
    static func isDomainByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c >= 0x80
    }

    /// Dotted labels (each 1...63 octets) or an address literal.
    static func validDomain(_ d: ArraySlice<UInt8>) -> Bool {
        if d.first == UInt8(ascii: "[") {
            guard d.count >= 3, d.last == UInt8(ascii: "]") else { return false }
            return validAddressLiteral(d[(d.startIndex + 1)..<(d.endIndex - 1)])
        }
        var labelLength = 0
        for c in d {
            if c == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
            } else {
                guard isDomainByte(c) else { return false }
                labelLength += 1
                guard labelLength <= 63 else { return false }
            }
        }
        return labelLength > 0
    }

    /// IPv4 dotted quad, `IPv6:` + hex/colons/dots, or a general `tag:content` literal.
    static func validAddressLiteral(_ a: ArraySlice<UInt8>) -> Bool {
        if a.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
            let parts = a.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            return parts.count == 4 && parts.allSatisfy { p in
                !p.isEmpty && p.count <= 3 && (Int(String(decoding: p, as: UTF8.self)) ?? 256) <= 255
            }
        }
        guard let colon = a.firstIndex(of: UInt8(ascii: ":")), colon > a.startIndex else { return false }
        let tag = asciiLowercased(a[a.startIndex..<colon])
        let body = a[(colon + 1)...]
        guard !body.isEmpty else { return false }
        if tag == Array("ipv6".utf8) {
            return body.allSatisfy { isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
                && body.contains(UInt8(ascii: ":"))
        }
        // General-address-literal: Standardized-tag ":" 1*dcontent (%d33-90 / %d94-126)
        return tag.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
            && body.allSatisfy { ($0 >= 33 && $0 <= 90) || ($0 >= 94 && $0 <= 126) }
    }

    static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    static func asciiLowercased(_ b: some Collection<UInt8>) -> [UInt8] {
        b.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 0x20 : $0 }
    }
}

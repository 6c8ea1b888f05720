// AddressNormalizer: the one address normalisation every backend applies before lookup and storage.
// Contract: `normalize` trims white space, strips one pair of angle brackets, splits at the last
// "@", maps the domain (NFKC, lower case, IDNA: each non-ASCII label becomes "xn--" + Punycode,
// ideographic full stops count as dots, one trailing dot is dropped), and case-folds the local
// part (Unicode lower case, NFC) unless `caseInsensitiveLocalPart` is false.
// It refuses, with a reason: no "@", an empty local part or domain, control characters, white
// space outside a quoted local part, an empty or over-long (63) domain label, characters that are
// not letters, digits or "-" in a domain label, a local part over 64 octets, an address over 254.
// Never crashes on any input.
import Foundation

public struct AddressNormalizer: Sendable {
    public var caseInsensitiveLocalPart: Bool

    /// Limits from RFC 5321 section 4.5.3.1.
    public static let maxAddressLength = 254
    public static let maxLocalPartLength = 64
    public static let maxLabelLength = 63

    public init(caseInsensitiveLocalPart: Bool = true) {
        self.caseInsensitiveLocalPart = caseInsensitiveLocalPart
    }

    /// Why an address was refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case empty, noAt, emptyLocalPart, emptyDomain, controlCharacter, whiteSpace
        case localPartTooLong(Int), tooLong(Int), emptyLabel, labelTooLong(String), badDomainCharacter(Character)

        public var description: String {
            switch self {
            case .empty: return "empty address"
            case .noAt: return "no \"@\""
            case .emptyLocalPart: return "empty local part"
            case .emptyDomain: return "empty domain"
            case .controlCharacter: return "control character"
            case .whiteSpace: return "white space outside a quoted local part"
            case .localPartTooLong(let n): return "local part is \(n) octets (max \(AddressNormalizer.maxLocalPartLength))"
            case .tooLong(let n): return "address is \(n) octets (max \(AddressNormalizer.maxAddressLength))"
            case .emptyLabel: return "empty domain label"
            case .labelTooLong(let l): return "domain label \"\(l.prefix(20))…\" is over \(AddressNormalizer.maxLabelLength) octets"
            case .badDomainCharacter(let c): return "character \"\(c)\" not allowed in a domain"
            }
        }
    }

    /// The normalised address, or `StoreError.invalidAddress`.
    public func normalize(_ raw: String) throws(StoreError) -> String {
        do {
            return try normalizeOrRefuse(raw)
        } catch {
            throw .invalidAddress(raw, reason: error.description)
        }
    }

    public func normalizeOrRefuse(_ raw: String) throws(Refusal) -> String {
        if let fast = asciiFastPath(raw) { return fast }
        return try generalPath(raw)
    }

    /// The full normalisation (Unicode, IDNA) and every refusal.
    func generalPath(_ raw: String) throws(Refusal) -> String {
        var s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.hasPrefix("<") && s.hasSuffix(">") && s.count >= 2 { s = String(s.dropFirst().dropLast()) }
        if s.isEmpty { throw .empty }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) {
            throw .controlCharacter
        }
        guard let at = s.lastIndex(of: "@") else { throw .noAt }
        var local = String(s[..<at])
        let domainRaw = String(s[s.index(after: at)...])
        if local.isEmpty { throw .emptyLocalPart }
        if domainRaw.isEmpty { throw .emptyDomain }
        let quoted = local.count >= 2 && local.hasPrefix("\"") && local.hasSuffix("\"")
        if !quoted && local.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) }) { throw .whiteSpace }
        local = local.precomposedStringWithCanonicalMapping
        if caseInsensitiveLocalPart { local = local.lowercased() }
        if local.utf8.count > Self.maxLocalPartLength { throw .localPartTooLong(local.utf8.count) }
        let domain = try mapDomain(domainRaw)
        let address = local + "@" + domain
        if address.utf8.count > Self.maxAddressLength { throw .tooLong(address.utf8.count) }
        return address
    }

    /// Lower case + NFC + IDNA (Punycode) per label; a domain literal "[...]" is lower-cased only.
    func mapDomain(_ raw: String) throws(Refusal) -> String {
        if raw.hasPrefix("[") && raw.hasSuffix("]") {
            if raw.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) }) { throw .whiteSpace }
            return raw.lowercased()
        }
        // NFKC then lower case: the mapping step of UTS #46 for what matters in practice
        // (full-width letters, compatibility forms, upper case).
        var d = raw.precomposedStringWithCompatibilityMapping.lowercased()
        for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] { d = d.replacingOccurrences(of: dot, with: ".") }
        if d.hasSuffix(".") { d.removeLast() }
        if d.isEmpty { throw .emptyDomain }
        var labels: [String] = []
        for label in d.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { throw .emptyLabel }
            var ascii = String(label)
            if label.unicodeScalars.contains(where: { $0.value >= 0x80 }) {
                for ch in label where !(ch.isLetter || ch.isNumber || ch == "-" || ch.unicodeScalars.allSatisfy { $0.properties.isDiacritic || $0.properties.generalCategory == .nonspacingMark }) {
                    throw .badDomainCharacter(ch)
                }
                guard let p = Punycode.encode(String(label)) else { throw .labelTooLong(String(label)) }
                ascii = "xn--" + p
            } else {
                for ch in label where !(ch.isASCII && (ch.isLetter || ch.isNumber || ch == "-" || ch == "_")) {
                    throw .badDomainCharacter(ch)
                }
            }
            if ascii.utf8.count > Self.maxLabelLength { throw .labelTooLong(ascii) }
            labels.append(ascii)
        }
        return labels.joined(separator: ".")
    }

    /// The common case without Foundation: printable ASCII, no white space, no domain literal, and
    /// valid. Gives exactly what the general path gives, or nil to let the general path decide
    /// (including every refusal, so that refusals have one source).
    func asciiFastPath(_ raw: String) -> String? {
        var out: [UInt8] = []
        let ok: Bool? = raw.utf8.withContiguousStorageIfAvailable { buf -> Bool in
            var lo = 0, hi = buf.count
            guard hi > 0 else { return false }
            for b in buf where b < 0x21 || b > 0x7E { return false }
            if hi >= 2 && buf[0] == UInt8(ascii: "<") && buf[hi - 1] == UInt8(ascii: ">") { lo += 1; hi -= 1 }
            var at = -1
            var i = hi - 1
            while i >= lo { if buf[i] == UInt8(ascii: "@") { at = i; break }; i -= 1 }
            guard at > lo, at < hi - 1, buf[at + 1] != UInt8(ascii: "[") else { return false }
            var domainEnd = hi
            if buf[domainEnd - 1] == UInt8(ascii: ".") { domainEnd -= 1 }
            guard domainEnd > at + 1, at - lo <= Self.maxLocalPartLength, (at - lo) + 1 + (domainEnd - at - 1) <= Self.maxAddressLength else { return false }
            out.reserveCapacity(domainEnd - lo)
            for j in lo..<at {
                let b = buf[j]
                out.append(caseInsensitiveLocalPart && b >= 65 && b <= 90 ? b + 32 : b)
            }
            out.append(UInt8(ascii: "@"))
            var labelLength = 0
            for j in (at + 1)..<domainEnd {
                var b = buf[j]
                if b == UInt8(ascii: ".") {
                    guard labelLength > 0 else { return false }
                    labelLength = 0
                    out.append(b)
                    continue
                }
                if b >= 65 && b <= 90 { b += 32 }
                guard (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") else { return false }
                labelLength += 1
                guard labelLength <= Self.maxLabelLength else { return false }
                out.append(b)
            }
            return labelLength > 0
        }
        return ok == true ? String(decoding: out, as: UTF8.self) : nil
    }
}

// RecipientIdentifier: the forms in which a URL can carry a recipient's address — plain, lower-case,
// URL-encoded, base64 (standard and URL-safe, padded or not, of the address and of its lower-cased
// form, at any byte alignment so that an address embedded inside a larger base64 blob is found), and
// the MD5 / SHA-1 / SHA-256 hex of the lower-cased (and of the original) address.
// `find` searches the URL and its percent-decoded forms; text and hex forms case-insensitively,
// base64 case-sensitively. Contract: pure; short or empty addresses never match.

import PixelCrypto
import Foundation

public enum RecipientIdentifier {
    /// Shortest base64 core (characters) that counts as a match, so tiny fragments never match.
    public static let minBase64Core = 8

    public struct Form: Sendable, Equatable {
        public let form: String
        public let value: String
        /// Compare ignoring ASCII case.
        public let caseInsensitive: Bool
        /// The bytes searched for: `value`, lower-cased when `caseInsensitive`.
        let needle: [UInt8]

        init(form: String, value: String, caseInsensitive: Bool) {
            self.form = form
            self.value = value
            self.caseInsensitive = caseInsensitive
            needle = caseInsensitive ? value.utf8.map(ASCII.lower) : Array(value.utf8)
        }
    }

    /// All the forms of `address` (see the file contract). Form names: plain, lowercase, urlencoded,
    /// base64, md5, sha1, sha256.
    public static func forms(of address: String) -> [(form: String, value: String)] {
        allForms(of: address).map { ($0.form, $0.value) }
    }

    static func allForms(of address: String) -> [Form] {
        let addr = address.trimmingASCIISpaces
        guard addr.utf8.count >= 3 else { return [] }
        let lower = addr.asciiLowercased
        var out: [Form] = [Form(form: "plain", value: addr, caseInsensitive: true)]
        if lower != addr { out.append(Form(form: "lowercase", value: lower, caseInsensitive: false)) }
        for v in Set([urlEncode(addr), urlEncode(lower)]) where v != addr && v != lower {
            out.append(Form(form: "urlencoded", value: v, caseInsensitive: true))
        }
        var b64 = Set<String>()
        for a in Set([addr, lower]) {
            for shift in 0..<3 { if let core = base64Core(Array(a.utf8), shift: shift) { b64.insert(core); b64.insert(urlSafe(core)) } }
            let full = base64(Array(a.utf8))
            b64.insert(full); b64.insert(urlSafe(full))
        }
        for v in b64.sorted() { out.append(Form(form: "base64", value: v, caseInsensitive: false)) }
        for a in Set([lower, addr]).sorted() {
            let bytes = Array(a.utf8)
            out.append(Form(form: "md5", value: Digest.hex(Digest.hash(.md5, bytes)), caseInsensitive: true))
            out.append(Form(form: "sha1", value: Digest.hex(Digest.hash(.sha1, bytes)), caseInsensitive: true))
            out.append(Form(form: "sha256", value: Digest.hex(Digest.hash(.sha256, bytes)), caseInsensitive: true))
        }
        return out
    }

    /// The form of `address` found in `url` (or its percent-decoded forms), nil when none.
    public static func find(in url: String, address: String) -> String? {
        find(in: url, forms: cachedForms(of: address))
    }

    /// Forms are hashed once per address: a message has few recipients and many resources.
    static let cache = FormsCache()
    /// Most addresses kept in the forms cache (it is emptied when full).
    public static let maxCachedAddresses = 256

    static func cachedForms(of address: String) -> [Form] {
        if let hit = cache.withLock({ $0[address] }) { return hit }
        let forms = allForms(of: address)
        cache.withLock { c in
            if c.count >= maxCachedAddresses { c.removeAll() }
            c[address] = forms
        }
        return forms
    }

    static func find(in url: String, forms: [Form]) -> String? {
        var haystacks = [url]
        let once = URLParts.percentDecode(url)
        if once != url { haystacks.append(once); let twice = URLParts.percentDecode(once); if twice != once { haystacks.append(twice) } }
        let plusDecoded = once.utf8.contains(0x2B) ? String(decoding: once.utf8.map { $0 == 0x2B ? 0x20 : $0 }, as: UTF8.self) : once
        if plusDecoded != once { haystacks.append(plusDecoded) }
        // The raw URL first, so that the form reported is the one written (e.g. urlencoded, not plain).
        for hay in haystacks {
            let bytes = Array(hay.utf8)
            let lowered = bytes.map(ASCII.lower)
            for f in forms where !f.needle.isEmpty {
                if ASCII.bytesContain(f.caseInsensitive ? lowered : bytes, f.needle) { return f.form }
            }
        }
        return nil
    }

    static func urlEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if ASCII.isAlnum(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E { out.unicodeScalars.append(Unicode.Scalar(b)) }
            else {
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int((v >> UInt32(s)) & 63)]) }
            i += 3
        }
        let r = bytes.count - i
        if r > 0 {
            var v = UInt32(bytes[i]) << 16
            if r == 2 { v |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int((v >> 18) & 63)])
            out.append(alphabet[Int((v >> 12) & 63)])
            out.append(r == 2 ? alphabet[Int((v >> 6) & 63)] : 0x3D)
            out.append(0x3D)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The base64 characters that depend only on `bytes` when they are preceded by `shift` other bytes.
    static func base64Core(_ bytes: [UInt8], shift: Int) -> String? {
        let padded = [UInt8](repeating: 0, count: shift) + bytes
        let enc = Array(base64(padded).utf8)
        let n = padded.count
        let determined = (n / 3) * 4 + (n % 3)
        let start = [0, 2, 3][shift]
        guard determined - start >= minBase64Core else { return nil }
        return String(decoding: enc[start..<determined], as: UTF8.self)
    }

    static func urlSafe(_ s: String) -> String {
        String(decoding: s.utf8.compactMap { $0 == 0x2B ? 0x2D : $0 == 0x2F ? 0x5F : $0 == 0x3D ? nil : $0 }, as: UTF8.self)
    }
}

extension String {
    var asciiLowercased: String { String(decoding: utf8.map { ASCII.lower($0) }, as: UTF8.self) }
    var trimmingASCIISpaces: String {
        let b = Array(utf8)
        var lo = 0, hi = b.count
        while lo < hi && ASCII.isHTMLSpace(b[lo]) { lo += 1 }
        while hi > lo && ASCII.isHTMLSpace(b[hi - 1]) { hi -= 1 }
        return String(decoding: b[lo..<hi], as: UTF8.self)
    }
}

/// A lock-protected address -> forms map.
final class FormsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var map: [String: [RecipientIdentifier.Form]] = [:]

    func withLock<T>(_ body: (inout [String: [RecipientIdentifier.Form]]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&map)
    }
}

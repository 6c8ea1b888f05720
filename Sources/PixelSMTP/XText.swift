// XText: the xtext encoding of RFC 3461 section 4 (ENVID, ORCPT, AUTH=, XFORWARD values).
// Guarantees: `isValid` accepts exactly xchar / "+" HEXCHAR HEXCHAR (lower-case hex is tolerated);
// `decode` returns nil for malformed input instead of guessing; `encode` output is always valid xtext
// and `decode(encode(s)) == s` for every string.

public enum XText {
    /// True when `s` is well-formed xtext.
    public static func isValid(_ s: some StringProtocol) -> Bool {
        decodeBytes(Array(s.utf8)) != nil
    }

    /// Decodes xtext; nil when malformed. The result is UTF-8 decoded (invalid sequences replaced).
    public static func decode(_ s: some StringProtocol) -> String? {
        decodeBytes(Array(s.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Encodes any string as xtext: "+", "=", and bytes outside 0x21...0x7E become "+HH".
    /// (A String overload, so that callers in other modules do not run the unspecialised generic.)
    public static func encode(_ s: String) -> String { encode(Substring(s)) }

    /// Encodes any string as xtext: "+", "=", and bytes outside 0x21...0x7E become "+HH".
    public static func encode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            if b >= 0x21 && b <= 0x7E && b != 0x2B && b != 0x3D {
                out.append(b)
            } else {
                out.append(0x2B)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `encode(s)`'s bytes appended to `out`.
    public static func appendEncoded(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            if b >= 0x21 && b <= 0x7E && b != 0x2B && b != 0x3D {
                out.append(b)
            } else {
                out.append(0x2B)
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0x0F))
            }
        }
    }

    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x37 + v }

    static func decodeBytes(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x2B {
                guard i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else if b >= 0x21 && b <= 0x7E && b != 0x3D {
                out.append(b)
                i += 1
            } else {
                return nil
            }
        }
        return out
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

// Base64URL: unpadded URL-safe base64 (RFC 4648 §5) for tokens.
// Contract: `encode` writes the URL-safe alphabet with no padding; `decode` accepts exactly that
// (no padding, no '+', '/', whitespace or other bytes, no impossible length, no non-zero trailing
// bits) and returns nil otherwise. Both work on UTF-8 bytes with a lookup table: the gate decodes
// a token on every request, so no Foundation string bridging is involved.

public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0...63 for alphabet bytes, 0xFF for everything else.
    private static let values: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
        default: break
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var copy = text
        return copy.withUTF8 { decode(bytes: $0) }
    }

    /// Decodes unpadded URL-safe base64 given as bytes.
    public static func decode(bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let rest = bytes.count % 4
        if rest == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3 + 2)
        var i = 0
        while i + 4 <= bytes.count {
            let a = values[Int(bytes[i])], b = values[Int(bytes[i + 1])], c = values[Int(bytes[i + 2])], d = values[Int(bytes[i + 3])]
            if (a | b | c | d) & 0xC0 != 0 { return nil }
            let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            out.append(UInt8(n >> 16 & 0xFF)); out.append(UInt8(n >> 8 & 0xFF)); out.append(UInt8(n & 0xFF))
            i += 4
        }
        if rest >= 2 {
            let a = values[Int(bytes[i])], b = values[Int(bytes[i + 1])]
            let c = rest == 3 ? values[Int(bytes[i + 2])] : 0
            if (a | b | c) & 0xC0 != 0 { return nil }
            let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
            out.append(UInt8(n >> 16 & 0xFF))
            if rest == 3 {
                out.append(UInt8(n >> 8 & 0xFF))
                if n & 0xFF != 0 { return nil }
            } else if n & 0xFFFF != 0 {
                return nil
            }
        }
        return out
    }
}

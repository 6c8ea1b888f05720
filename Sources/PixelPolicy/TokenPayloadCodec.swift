// TokenPayloadCodec: the token payload's JSON wire format without Foundation's JSONEncoder and
// JSONDecoder (which cost a visible share of relay CPU when every gate link is sealed).
// Guarantees: `encode` writes exactly what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
// wrote for the former `Codable` wire struct (keys c,k,p,r,t,u in that order, nil optionals omitted,
// `"` `\` and control characters escaped as JSONEncoder does, everything else raw UTF-8), so old
// tokens and new ones are the same bytes. `decode` accepts any RFC 8259 object with exactly the
// keys k, r, p, t and optionally u, c (null allowed for those two), each at most once, strings with
// every JSON escape (surrogate pairs checked), t an integer in Int64; anything else is nil. It never
// traps on any input.

struct TokenWire: Equatable {
    var k: String
    var r: String
    var p: [String]
    var u: String?
    var c: String?
    var t: Int64
}

enum TokenPayloadCodec {
    static func encode(_ payload: TokenPayload) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + payload.recipient.utf8.count + (payload.url?.utf8.count ?? 0) + (payload.campaign?.utf8.count ?? 0))
        out.append(UInt8(ascii: "{"))
        if let c = payload.campaign {
            appendKey("c", &out)
            appendString(c, &out)
            out.append(UInt8(ascii: ","))
        }
        appendKey("k", &out)
        appendString(payload.kind.rawValue, &out)
        out.append(UInt8(ascii: ","))
        appendKey("p", &out)
        out.append(UInt8(ascii: "["))
        for (i, p) in payload.purposes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(p.id, &out)
        }
        out.append(UInt8(ascii: "]"))
        out.append(UInt8(ascii: ","))
        appendKey("r", &out)
        appendString(payload.recipient, &out)
        out.append(UInt8(ascii: ","))
        appendKey("t", &out)
        out.append(contentsOf: String(payload.issuedAt).utf8)
        if let u = payload.url {
            out.append(UInt8(ascii: ","))
            appendKey("u", &out)
            appendString(u, &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendKey(_ key: Unicode.Scalar, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(key.value))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendString(_ s: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func decode(_ bytes: [UInt8]) -> TokenWire? {
        var parser = Parser(bytes: bytes)
        return parser.object()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        mutating func expect(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < bytes.count ? bytes[i] : nil
        }

        mutating func literalNull() -> Bool {
            skipSpace()
            guard i + 4 <= bytes.count, bytes[i] == UInt8(ascii: "n"), bytes[i + 1] == UInt8(ascii: "u"),
                  bytes[i + 2] == UInt8(ascii: "l"), bytes[i + 3] == UInt8(ascii: "l") else { return false }
            i += 4
            return true
        }

        mutating func object() -> TokenWire? {
            guard expect(UInt8(ascii: "{")) else { return nil }
            var k: String?, r: String?, p: [String]?, t: Int64?
            var u: String??, c: String??
            if peek() == UInt8(ascii: "}") {
                return nil
            }
            while true {
                guard let key = string(), expect(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "k": guard k == nil, let v = string() else { return nil }; k = v
                case "r": guard r == nil, let v = string() else { return nil }; r = v
                case "p": guard p == nil, let v = stringArray() else { return nil }; p = v
                case "t": guard t == nil, let v = integer() else { return nil }; t = v
                case "u": guard u == nil, let v = optionalString() else { return nil }; u = v
                case "c": guard c == nil, let v = optionalString() else { return nil }; c = v
                default: return nil
                }
                if expect(UInt8(ascii: ",")) { continue }
                guard expect(UInt8(ascii: "}")) else { return nil }
                break
            }
            skipSpace()
            guard i == bytes.count, let k, let r, let p, let t else { return nil }
            return TokenWire(k: k, r: r, p: p, u: u ?? nil, c: c ?? nil, t: t)
        }

        mutating func optionalString() -> String?? {
            if literalNull() { return .some(nil) }
            guard let s = string() else { return nil }
            return .some(s)
        }

        mutating func stringArray() -> [String]? {
            guard expect(UInt8(ascii: "[")) else { return nil }
            var out: [String] = []
            if peek() == UInt8(ascii: "]") { i += 1; return out }
            while true {
                guard let s = string() else { return nil }
                out.append(s)
                if expect(UInt8(ascii: ",")) { continue }
                guard expect(UInt8(ascii: "]")) else { return nil }
                return out
            }
        }

        mutating func integer() -> Int64? {
            skipSpace()
            var negative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            let start = i
            var value: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let d = Int64(bytes[i] - 0x30)
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                guard !o1, !o2 else { return nil }
                value = s
                i += 1
            }
            let digits = i - start
            guard digits > 0, !(digits > 1 && bytes[start] == 0x30) else { return nil }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
            return value
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(validating: out, as: UTF8.self)
                case 0x00..<0x20:
                    return nil
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { return nil }
                            i += 2
                            guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            return nil
                        }
                        guard let us = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: String(Character(us)).utf8)
                    default: return nil
                    }
                default:
                    out.append(b)
                }
            }
            return nil
        }
    }
}

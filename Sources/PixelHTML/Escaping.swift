// Escaping: how a replacement URL is written back into its context — HTML attribute values
// (& " ' < > and whitespace escaped as character references, safe quoted or unquoted), CSS strings and
// unquoted url() (CSS escapes), CSS inside a style attribute (both), and JSON strings.
// Guarantees: the decoded result equals the input URL in that context.

enum Escaping {
    static func escape(_ url: String, for context: URLContext) -> [UInt8] {
        switch context {
        case .attribute: return attribute(Array(url.utf8))
        case .cssInStyleElement(let quoted): return css(Array(url.utf8), quoted: quoted)
        case .cssInAttribute(let quoted): return attribute(css(Array(url.utf8), quoted: quoted))
        case .json: return json(Array(url.utf8))
        }
    }

    static func attribute(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 8)
        for b in bytes {
            switch b {
            case 0x26: out.append(contentsOf: Array("&amp;".utf8))
            case 0x22: out.append(contentsOf: Array("&quot;".utf8))
            case 0x27: out.append(contentsOf: Array("&#39;".utf8))
            case 0x3C: out.append(contentsOf: Array("&lt;".utf8))
            case 0x3E: out.append(contentsOf: Array("&gt;".utf8))
            case 0x20: out.append(contentsOf: Array("&#32;".utf8))
            case 0x09, 0x0A, 0x0C, 0x0D:
                out.append(contentsOf: Array("&#\(b);".utf8))
            default: out.append(b)
            }
        }
        return out
    }

    static func css(_ bytes: [UInt8], quoted: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 4)
        for b in bytes {
            switch b {
            case 0x22, 0x27, 0x5C:
                out.append(0x5C); out.append(b)
            case 0x28, 0x29 where !quoted:
                out.append(0x5C); out.append(b)
            case 0x00...0x1F, 0x7F, 0x20 where !quoted || b != 0x20:
                out.append(contentsOf: Array("\\\(String(b, radix: 16)) ".utf8))
            default: out.append(b)
            }
        }
        return out
    }

    static func json(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        for b in bytes {
            switch b {
            case 0x22: out.append(contentsOf: Array("\\\"".utf8))
            case 0x5C: out.append(contentsOf: Array("\\\\".utf8))
            case 0x3C: out.append(contentsOf: Array("\\u003c".utf8))
            case 0x00...0x1F:
                let h = String(b, radix: 16)
                out.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - h.count) + h).utf8))
            default: out.append(b)
            }
        }
        return out
    }
}

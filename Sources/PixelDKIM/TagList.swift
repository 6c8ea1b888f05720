// TagList: the DKIM tag=value list (RFC 6376 §3.2), parsed and built.
// Contract: `parse` accepts FWS around tags, values and semicolons, and a trailing semicolon; it
// rejects a duplicate tag, an empty tag name or a pair without '=' (typed error naming it).
// Values keep their inner FWS (as folded), `value(_:)` gives them with all WSP removed when the
// tag is base64 (b=, bh=, p=). `build` writes `tag=value` pairs joined by "; ".

public struct TagList: Sendable, Equatable {
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case missingEquals(String)
        case emptyName
        case duplicate(String)

        public var description: String {
            switch self {
            case .missingEquals(let s): return "tag without '=': \(s)"
            case .emptyName: return "empty tag name"
            case .duplicate(let t): return "duplicate tag \(t)"
            }
        }
    }

    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(String, String)]) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    public static func == (a: TagList, b: TagList) -> Bool {
        a.pairs.map(\.name) == b.pairs.map(\.name) && a.pairs.map(\.value) == b.pairs.map(\.value)
    }

    public static func parse(_ text: String) throws(ParseError) -> TagList {
        var out: [(String, String)] = []
        var seen = Set<String>()
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            let trimmed = trimFWS(part)
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "=") else { throw .missingEquals(trimmed) }
            let name = trimFWS(trimmed[..<eq])
            let value = trimFWS(trimmed[trimmed.index(after: eq)...])
            if name.isEmpty { throw .emptyName }
            if !seen.insert(name).inserted { throw .duplicate(name) }
            out.append((name, value))
        }
        return TagList(out)
    }

    /// The value of `name` as written, or nil.
    public func raw(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The value with every whitespace character removed (for base64 values and lists).
    public func value(_ name: String) -> String? {
        raw(name).map { v in
            var out = String.UnicodeScalarView()
            for u in v.unicodeScalars where !(u == " " || u == "\t" || u == "\r" || u == "\n") { out.append(u) }
            return String(out)
        }
    }

    public func build() -> String { pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "; ") }

    static func trimFWS<S: StringProtocol>(_ s: S) -> String {
        var sub = Substring(s)
        let ws: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        while let f = sub.first, ws.contains(f) { sub.removeFirst() }
        while let l = sub.last, ws.contains(l) { sub.removeLast() }
        return String(sub)
    }
}

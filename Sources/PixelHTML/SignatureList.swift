// SignatureList: known tracking-URL shapes, loaded from a small line format so operators can extend
// the shipped list (`signatures.txt`, embedded in the binary):
//
//     # comment
//     <id>   <host-glob>   <path-pattern>
//
// host-glob: `*` (any host: path shapes catch custom and branded tracking domains), `*.example.com`
// (the domain and its subdomains) or an exact host; `*` may appear anywhere. path-pattern is matched,
// ASCII case-insensitively, against the whole path+query ("/a/b?x=1"); `*` matches any run (also
// across '/'), and placeholders match one maximal run: `{token}` a path segment or query value that
// looks like a per-message token (TokenShape weak or random), `{hex}` >= 8 hex digits with letters and
// digits mixed, `{num}` digits,
// `{seg}` any non-empty segment. Matching is linear per pattern (set-of-positions automaton).
// Guarantees: bad lines are reported with their line number, never silently half-parsed.

public struct Signature: Sendable, Equatable {
    public let id: String
    public let hostGlob: String
    public let pathPattern: String
    let host: [GlobPiece]
    let path: [GlobPiece]
    /// The longest literal of the path pattern: a subject without it cannot match (cheap pre-check).
    let requiredLiteral: [UInt8]
    /// How the host is matched, worked out once from `hostGlob`.
    let hostRule: HostRule

    enum HostRule: Sendable, Equatable {
        case any
        /// `*.base`: the domain itself or a subdomain (`base`, `.base`).
        case domain(String, String)
        case glob
    }

    public init(id: String, hostGlob: String, pathPattern: String) throws(SignatureError) {
        self.id = id
        self.hostGlob = hostGlob.lowercased()
        self.pathPattern = pathPattern
        host = try Glob.compile(self.hostGlob, placeholders: false)
        path = try Glob.compile(pathPattern, placeholders: true)
        var best = [UInt8]()
        for case .literal(let l) in path where l.count > best.count { best = l }
        requiredLiteral = best
        let h = self.hostGlob
        if h == "*" {
            hostRule = .any
        } else if h.hasPrefix("*."), !h.dropFirst(2).contains(where: { $0 == "*" }) {
            hostRule = .domain(String(h.dropFirst(2)), String(h.dropFirst(1)))
        } else {
            hostRule = .glob
        }
    }

    public func matches(host h: String, pathAndQuery: String) -> Bool {
        let path = Array(pathAndQuery.utf8.prefix(Glob.maxSubjectLength))
        return matches(host: h, path: path, lowerPath: path.map(ASCII.lower))
    }

    /// `path` keeps its case (token shapes need it); `lowerPath` is its lower-cased copy.
    func matches(host h: String, path subject: [UInt8], lowerPath: [UInt8]) -> Bool {
        if !requiredLiteral.isEmpty && !ASCII.bytesContain(lowerPath, requiredLiteral) { return false }
        let hostOK: Bool
        switch hostRule {
        case .any: hostOK = true
        case .domain(let base, let dotBase):
            hostOK = h.utf8.elementsEqual(base.utf8) || (h.utf8.count > dotBase.utf8.count && h.utf8.suffix(dotBase.utf8.count).elementsEqual(dotBase.utf8))
        case .glob: hostOK = Glob.match(host, Array(h.utf8))
        }
        guard hostOK else { return false }
        return Glob.match(path, subject)
    }
}

public enum SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    case badLine(line: Int, text: String)
    case badPattern(String)
    case unreadable(path: String)

    public var description: String {
        switch self {
        case .badLine(let n, let t): return "signatures line \(n): expected '<id> <host-glob> <path-pattern>', got '\(t)'"
        case .badPattern(let p): return "signature pattern '\(p)': unknown placeholder or empty pattern"
        case .unreadable(let p): return "cannot read signature file \(p)"
        }
    }
}

public struct SignatureList: Sendable {
    public let signatures: [Signature]
    /// Which signatures a path can match at all, from its first two bytes (see PrefixIndex).
    private let index: PrefixIndex

    public init(_ signatures: [Signature]) {
        self.signatures = signatures
        index = PrefixIndex(signatures)
    }

    /// Parses the line format described above.
    public init(parsing text: String) throws(SignatureError) {
        var list = [Signature]()
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[line.startIndex..<hash] }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 3 else { throw .badLine(line: n, text: String(raw)) }
            list.append(try Signature(id: String(fields[0]), hostGlob: String(fields[1]), pathPattern: String(fields[2])))
        }
        signatures = list
        index = PrefixIndex(list)
    }

    /// The shipped list (`signatures.txt`).
    public static let `default`: SignatureList = {
        let text = String(decoding: PackageResources.signatures_txt, as: UTF8.self)
        do { return try SignatureList(parsing: text) } catch { preconditionFailure("embedded signatures.txt is invalid: \(error)") }
    }()

    /// Loads an operator file (same format).
    public static func load(path: String) throws(SignatureError) -> SignatureList {
        guard let text = readWholeFile(path) else { throw .unreadable(path: path) }
        return try SignatureList(parsing: text)
    }

    /// This list followed by `other`'s signatures (an operator file extends the shipped list).
    public func merging(_ other: SignatureList) -> SignatureList { SignatureList(signatures + other.signatures) }

    /// The first signature matching the URL, if any.
    public func firstMatch(_ url: URLParts) -> Signature? {
        guard url.isRemote else { return nil }
        let path = Array(url.pathAndQuery.utf8.prefix(Glob.maxSubjectLength))
        let lowerPath = path.map(ASCII.lower)
        for i in index.candidates(lowerPath) where signatures[i].matches(host: url.host, path: path, lowerPath: lowerPath) {
            return signatures[i]
        }
        return nil
    }

    /// The first match by trying every signature in order (tests check `firstMatch` against it).
    func firstMatchLinear(_ url: URLParts) -> Signature? {
        guard url.isRemote else { return nil }
        let path = Array(url.pathAndQuery.utf8.prefix(Glob.maxSubjectLength))
        let lowerPath = path.map(ASCII.lower)
        return signatures.first { $0.matches(host: url.host, path: path, lowerPath: lowerPath) }
    }

    static func readWholeFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
            if out.count > 16 << 20 { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Most path patterns start with a literal ("/wf/open?*"), so they can only match a path that starts
/// with the same two bytes. The index keeps, per two-byte prefix, the signatures anchored on it, and
/// apart the ones that start with `*` or a placeholder; `candidates` merges the two in list order, so
/// the first match is the same as trying every signature in order.
struct PrefixIndex: Sendable {
    private var anchored: [UInt16: [Int]] = [:]
    private var floating: [Int] = []

    init(_ signatures: [Signature]) {
        for (i, s) in signatures.enumerated() {
            if case .literal(let l)? = s.path.first, l.count >= 2 {
                anchored[Self.key(l[0], l[1]), default: []].append(i)
            } else {
                floating.append(i)
            }
        }
    }

    static func key(_ a: UInt8, _ b: UInt8) -> UInt16 { UInt16(a) << 8 | UInt16(b) }

    /// Indices of the signatures that may match `lowerPath`, ascending.
    func candidates(_ lowerPath: [UInt8]) -> [Int] {
        guard lowerPath.count >= 2, let a = anchored[Self.key(lowerPath[0], lowerPath[1])] else { return floating }
        var out: [Int] = []
        out.reserveCapacity(a.count + floating.count)
        var i = 0, j = 0
        while i < a.count || j < floating.count {
            if j == floating.count || (i < a.count && a[i] < floating[j]) { out.append(a[i]); i += 1 } else { out.append(floating[j]); j += 1 }
        }
        return out
    }
}

enum GlobPiece: Sendable, Equatable {
    case literal([UInt8]) // lower-cased
    case star
    case token
    case hex
    case num
    case seg
}

enum Glob {
    /// Longest subject considered (longer paths are truncated: signatures match near the start).
    static let maxSubjectLength = 4096

    static func compile(_ pattern: String, placeholders: Bool) throws(SignatureError) -> [GlobPiece] {
        guard !pattern.isEmpty else { throw .badPattern(pattern) }
        var pieces = [GlobPiece]()
        var lit = [UInt8]()
        let b = Array(pattern.utf8)
        var i = 0
        func flush() { if !lit.isEmpty { pieces.append(.literal(lit)); lit = [] } }
        while i < b.count {
            let c = b[i]
            if c == 0x2A { flush(); if pieces.last != .star { pieces.append(.star) }; i += 1; continue }
            if placeholders && c == 0x7B, let close = b[i...].firstIndex(of: 0x7D) {
                let name = String(decoding: b[(i + 1)..<close], as: UTF8.self)
                flush()
                switch name {
                case "token": pieces.append(.token)
                case "hex": pieces.append(.hex)
                case "num": pieces.append(.num)
                case "seg": pieces.append(.seg)
                default: throw .badPattern(pattern)
                }
                i = close + 1
                continue
            }
            lit.append(ASCII.lower(c))
            i += 1
        }
        flush()
        return pieces
    }

    /// A `*`-only glob (operator rules): never fails; other characters are literal.
    static func compilePlain(_ pattern: String) -> [GlobPiece] {
        (try? compile(pattern.isEmpty ? "*" : pattern, placeholders: false)) ?? [.star]
    }

    /// True when `needle` occurs in `hay`.
    /// Whole-subject match, ASCII case-insensitive, O(pieces × subject).
    static func match(_ pieces: [GlobPiece], _ subject: [UInt8]) -> Bool {
        let n = subject.count
        var cur = [Bool](repeating: false, count: n + 1)
        cur[0] = true
        var next = [Bool](repeating: false, count: n + 1)
        let shape = TokenShape()
        for piece in pieces {
            for k in 0...n { next[k] = false }
            var any = false
            switch piece {
            case .star:
                if let first = cur.firstIndex(of: true) { for k in first...n { next[k] = true }; any = true }
            case .literal(let l):
                for pos in 0...n where cur[pos] && pos + l.count <= n {
                    var ok = true
                    for k in 0..<l.count where ASCII.lower(subject[pos + k]) != l[k] { ok = false; break }
                    if ok { next[pos + l.count] = true; any = true }
                }
            case .token, .seg:
                for pos in 0..<n where cur[pos] {
                    var e = pos
                    while e < n && subject[e] != 0x2F && subject[e] != 0x3F && subject[e] != 0x26 && subject[e] != 0x23 { e += 1 }
                    guard e > pos else { continue }
                    // Candidate ends: the segment end, and before its extension ("<token>.gif").
                    var ends = [e]
                    if let dot = subject[pos..<e].lastIndex(of: 0x2E), dot > pos { ends.append(dot) }
                    for end in ends {
                        if case .token = piece {
                            guard shape.strength(of: String(decoding: subject[pos..<end], as: UTF8.self)) >= .weak else { continue }
                        }
                        next[end] = true; any = true
                    }
                }
            case .hex, .num:
                for pos in 0..<n where cur[pos] {
                    var e = pos
                    if case .hex = piece { while e < n && ASCII.isHex(subject[e]) { e += 1 } }
                    else { while e < n && ASCII.isDigit(subject[e]) { e += 1 } }
                    if case .hex = piece {
                        // At least 8 hex digits, mixing letters and digits (a date or a word is not an id).
                        guard e - pos >= 8, subject[pos..<e].contains(where: ASCII.isDigit),
                              subject[pos..<e].contains(where: ASCII.isAlpha) else { continue }
                    }
                    if e > pos { next[e] = true; any = true }
                }
            }
            if !any { return false }
            swap(&cur, &next)
        }
        return cur[n]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

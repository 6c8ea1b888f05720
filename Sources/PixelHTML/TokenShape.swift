// TokenShape: decides whether a URL carries a per-message / per-recipient token, the signal that
// separates a tracking pixel from a static spacer, icon or logo. Two strengths:
//  - random: a long (>= `minRandomLength`) base62/base64url run that looks machine-generated — upper
//    and lower case and digits mixed, with frequent character-class changes (words, CamelCase names,
//    file names and dates do not pass);
//  - weak: additionally long hex ids / UUIDs (>= `minRandomLength` hex digits) or mixed letter+digit
//    runs >= `minWeakLength` that change character class often (only used with tiny/hidden rendering).
// Contract: pure; a trailing file extension is ignored; digits-only runs (timestamps, ids) never count;
// weak tokens count only in the last path segment or the query.

public struct TokenShape: Sendable {
    /// Minimum length of a random-looking token.
    public var minRandomLength: Int = 16
    /// Minimum length of a weak (hex/uuid/alnum) token.
    public var minWeakLength: Int = 12
    /// Minimum ratio of character-class changes per character for a random token.
    public var minTransitionRatio: Double = 0.3

    public init() {}

    public enum Strength: Int, Sendable, Comparable {
        case none = 0, weak, random
        public static func < (a: Strength, b: Strength) -> Bool { a.rawValue < b.rawValue }
    }

    /// The strongest token strength among the URL's path segments and query values.
    /// Weak tokens (hex ids, UUIDs) count only in the last path segment and the query: in earlier
    /// segments they are usually asset-store directories (`/users/<uuid>/<hash>/spacer.gif`).
    public func strength(ofURL url: String) -> Strength {
        var best = Strength.none
        let candidates = URLParts(url).tokenCandidates
        for c in candidates {
            var s = strength(of: URLParts.percentDecode(String(c.text)))
            if s == .weak && !c.final { s = .none }
            if s > best { best = s }
            if best == .random { break }
        }
        return best
    }

    public func strength(of raw: String) -> Strength {
        var bytes = Array(raw.utf8)
        // Strip a file extension (".gif", ".png", ".php", ...).
        if let dot = bytes.lastIndex(of: 0x2E), bytes.count - dot - 1 <= 5, bytes.count - dot - 1 >= 2,
           bytes[(dot + 1)...].allSatisfy({ ASCII.isAlpha($0) || ASCII.isDigit($0) }) {
            bytes.removeSubrange(dot...)
        }
        while let l = bytes.last, l == 0x3D { bytes.removeLast() } // base64 padding
        // The longest run of token characters.
        var bestRun = 0..<0
        var s = 0
        for (i, b) in bytes.enumerated() {
            if !(ASCII.isAlnum(b) || b == 0x2D || b == 0x5F || b == 0x7E || b == 0x2E) {
                if i - s > bestRun.count { bestRun = s..<i }
                s = i + 1
            }
        }
        if bytes.count - s > bestRun.count { bestRun = s..<bytes.count }
        let run = bytes[bestRun]
        guard run.count >= minWeakLength else { return .none }
        var upper = 0, lower = 0, digit = 0, transitions = 0, hexLetters = 0
        var upperRuns = 0, lowerRuns = 0
        var prev = -1
        for b in run {
            let cls: Int
            if ASCII.isUpper(b) { upper += 1; cls = 0 } else if ASCII.isLower(b) { lower += 1; cls = 1; if b <= 0x66 { hexLetters += 1 } }
            else if ASCII.isDigit(b) { digit += 1; cls = 2 } else { cls = 3 }
            if cls != prev {
                if prev >= 0 { transitions += 1 }
                if cls == 0 { upperRuns += 1 } else if cls == 1 { lowerRuns += 1 }
            }
            prev = cls
        }
        let letters = upper + lower
        if run.count >= minRandomLength && upper >= 2 && lower >= 2 && digit >= 1 && upperRuns >= 3 && lowerRuns >= 3
            && Double(transitions) / Double(run.count) >= minTransitionRatio {
            return .random
        }
        // Weak: hex ids / UUIDs, or mixed alphanumerics that change class often (not words or dates).
        let hexOnly = upper == 0 && lower == hexLetters
        if hexOnly && digit >= 2 && lower >= 2 && digit + lower >= minRandomLength { return .weak }
        if digit >= 2 && letters >= 2 && digit + letters >= minWeakLength
            && Double(transitions) / Double(run.count) >= minTransitionRatio { return .weak }
        return .none
    }
}

// TokenShape: decides whether a URL carries a per-message / per-recipient token, the signal that
// separates a tracking pixel from a static spacer, icon or logo. Two strengths:
//  - random: a long (>= `minRandomLength`) base62/base64url run that looks machine-generated — upper
//    and lower case and digits mixed, with frequent character-class changes (words, CamelCase names,
//    file names and dates do not pass);
//  - weak: additionally long hex ids / UUIDs (>= `minRandomLength` hex digits), mixed letter+digit
//    runs >= `minWeakLength` that change character class often, or single-case base32/base36 ids
//    (>= `minSingleCaseLength`, digits and many distinct characters) (only used with tiny/hidden
//    rendering);
//  - letters only (no digit): upper and lower case flipping often in short runs, random from
//    `minLetterOnlyRandomLength`, weak below.
// A file name made of a word and a short hex content hash (`logo-dark_7cc929933b3e6ac0`,
// `spacer.1a2b3c4d5e6f7a8b`: asset pipelines' fingerprints, the same for every recipient) is no token.
// Contract: pure; a trailing file extension is ignored; digits-only runs (timestamps, ids) never count;
// weak tokens count only in the last path segment or the query, unless `weakAnywhere`.

public struct TokenShape: Sendable {
    /// Minimum length of a random-looking token.
    public var minRandomLength: Int = 16
    /// Minimum length of a weak (hex/uuid/alnum) token.
    public var minWeakLength: Int = 12
    /// Minimum ratio of character-class changes per character for a random token.
    public var minTransitionRatio: Double = 0.3
    /// Minimum length of a single-case (base32 / base36) weak token.
    public var minSingleCaseLength: Int = 24
    /// Letters-only (base52) tokens: the case-change ratio they need, and the length from which they
    /// count as random rather than weak.
    public var minLetterOnlyTransitionRatio: Double = 0.45
    public var minLetterOnlyRandomLength: Int = 20
    /// Longest hex tail of a `word-<hex>` asset fingerprint (longer tails are ids).
    public var maxFingerprintHex: Int = 20

    public init() {}

    public enum Strength: Int, Sendable, Comparable {
        case none = 0, weak, random
        public static func < (a: Strength, b: Strength) -> Bool { a.rawValue < b.rawValue }
    }

    /// The strongest token strength among the URL's path segments and query values.
    /// Weak tokens (hex ids, UUIDs) count only in the last path segment and the query: in earlier
    /// segments they are usually asset-store directories (`/users/<uuid>/<hash>/spacer.gif`).
    /// With `weakAnywhere` (a tiny image: nothing to show, so no asset directory to excuse) weak
    /// tokens count in every segment.
    /// With `finalOnly`, only the last path segment and the query count, whatever the strength.
    public func strength(ofURL url: String, weakAnywhere: Bool = false, finalOnly: Bool = false) -> Strength {
        var best = Strength.none
        let candidates = URLParts(url).tokenCandidates
        for c in candidates where c.final || !finalOnly {
            var s = strength(of: URLParts.percentDecode(String(c.text)))
            if s == .weak && !c.final && !weakAnywhere { s = .none }
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
        var upperRuns = 0, lowerRuns = 0, longestLetterRun = 0, letterRun = 0
        var prev = -1
        for b in run {
            let cls: Int
            if ASCII.isUpper(b) { upper += 1; cls = 0 } else if ASCII.isLower(b) { lower += 1; cls = 1; if b <= 0x66 { hexLetters += 1 } }
            else if ASCII.isDigit(b) { digit += 1; cls = 2 } else { cls = 3 }
            if cls != prev {
                if prev >= 0 { transitions += 1 }
                if cls == 0 { upperRuns += 1 } else if cls == 1 { lowerRuns += 1 }
                letterRun = 0
            }
            if cls <= 1 { letterRun += 1; longestLetterRun = max(longestLetterRun, letterRun) }
            prev = cls
        }
        let letters = upper + lower
        if isFingerprint(run) { return .none }
        if run.count >= minRandomLength && upper >= 2 && lower >= 2 && digit >= 1 && upperRuns >= 3 && lowerRuns >= 3
            && Double(transitions) / Double(run.count) >= minTransitionRatio {
            return .random
        }
        // Base52 (a base62 id that happens to have no digit, about 2% of 22-character ones): case flips
        // often and never runs long, unlike CamelCase words (`SummerSaleHero`: "ummer", ratio 0.3).
        if digit == 0 && run.count >= minRandomLength && upperRuns >= 4 && lowerRuns >= 4 && longestLetterRun <= 5
            && Double(transitions) / Double(run.count) >= minLetterOnlyTransitionRatio {
            return run.count >= minLetterOnlyRandomLength ? .random : .weak
        }
        // Weak: hex ids / UUIDs, or mixed alphanumerics that change class often (not words or dates).
        let hexOnly = upper == 0 && lower == hexLetters
        if hexOnly && digit >= 2 && lower >= 2 && digit + lower >= minRandomLength { return .weak }
        if digit >= 2 && letters >= 2 && digit + letters >= minWeakLength
            && Double(transitions) / Double(run.count) >= minTransitionRatio && mixedWithoutSeparators(run) { return .weak }
        // Single-case base32/base36 ids (`GEZDGNBVGY3TQOJQ...`): letters of one case and digits only,
        // long, and with many distinct characters (not a word, a repeated pattern or a date).
        if (upper == 0 || lower == 0) && digit >= 3 && letters >= 8 && digit + letters == run.count
            && run.count >= minSingleCaseLength && Set(run).count >= 16 { return .weak }
        return .none
    }

    /// The mixed letter+digit rule holds on the longest piece between separators (`-_.~`) too:
    /// separators alone make words and sizes change class often (`rule-grey-600x1`).
    func mixedWithoutSeparators(_ run: ArraySlice<UInt8>) -> Bool {
        var best = run.startIndex..<run.startIndex
        var s = run.startIndex
        for i in run.indices where !ASCII.isAlnum(run[i]) {
            if i - s > best.count { best = s..<i }
            s = i + 1
        }
        if run.endIndex - s > best.count { best = s..<run.endIndex }
        if best.count == run.count { return true }
        guard best.count >= minWeakLength else { return false }
        var digit = 0, transitions = 0, prev = -1
        for b in run[best] {
            let cls = ASCII.isDigit(b) ? 2 : (ASCII.isUpper(b) ? 0 : 1)
            if cls == 2 { digit += 1 }
            if prev >= 0 && cls != prev { transitions += 1 }
            prev = cls
        }
        return digit >= 2 && best.count - digit >= 2 && Double(transitions) / Double(best.count) >= minTransitionRatio
    }

    /// `<word>[-_.]<hex>`: letters (and separators) only before the last separator, then 8 to
    /// `maxFingerprintHex` lower-case hex digits with at least one digit and one letter.
    func isFingerprint(_ run: ArraySlice<UInt8>) -> Bool {
        guard let sep = run.lastIndex(where: { $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }) else { return false }
        let head = run[run.startIndex..<sep], tail = run[(sep + 1)...]
        guard tail.count >= 8, tail.count <= maxFingerprintHex,
              tail.allSatisfy({ ASCII.isDigit($0) || (0x61...0x66).contains($0) }),
              tail.contains(where: ASCII.isDigit), tail.contains(where: { !ASCII.isDigit($0) }) else { return false }
        var letters = 0
        for b in head {
            if ASCII.isAlpha(b) { letters += 1 } else if !(b == 0x2D || b == 0x5F || b == 0x2E) { return false }
        }
        return letters >= 3
    }
}

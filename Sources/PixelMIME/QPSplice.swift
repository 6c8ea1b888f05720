// QPSplice: edits a quoted-printable body in place. Given the encoded body, its decoded form and
// edits in decoded coordinates, it maps every encoded line to the decoded offset where it starts
// (QPLineMap, mirroring QuotedPrintable.decode line by line), groups the lines the edits touch and
// re-encodes only those groups; every other encoded line is kept byte for byte.
// Guarantees, when `plan` returns `.splice`: decoding the spliced body gives the decoded body with
// the edits applied, except that inside a re-encoded group line ends are written in the
// message's line ending (as a whole-leaf re-encode writes them); every re-encoded line is at most
// 76 octets, ends in no unencoded whitespace before a hard break, and starts at column 0. The
// plan falls back (`.fallback(reason)`) whenever that cannot be shown cheaply: a line longer than
// 76 octets, a CR that is not the message's CRLF line end, an LF line end in a CRLF message (or
// the reverse), a line walk that disagrees with the decoder's length (whitespace carried across a
// soft break), or an edit on the body's last line (its terminator rules belong to MIMERewriter).
// The decoder's state is neutral (no pending literal whitespace) at each group's start and does
// not change how the next kept line decodes: groups grow line by line until that holds.

/// One edit of a decoded body: replace `range` (decoded offsets; empty inserts) with `bytes`.
public struct DecodedEdit: Sendable, Equatable {
    public var range: Range<Int>
    public var bytes: [UInt8]
    public init(range: Range<Int>, bytes: [UInt8]) {
        self.range = range
        self.bytes = bytes
    }
}

/// How `MIMERewriter.replaceLeaf(_:in:originalDecoded:edits:)` rewrote a leaf.
public enum LeafRewrite: Sendable, Equatable {
    /// Only `reencodedLines` of the leaf's encoded lines were replaced (in `groups` runs).
    case spliced(reencodedLines: Int, groups: Int)
    /// The whole leaf was re-encoded (`replaceLeaf(_:decodedBody:)`), for this reason.
    case wholeLeaf(QPSpliceFallback)
}

/// Why a leaf was re-encoded whole instead of spliced.
public enum QPSpliceFallback: Error, Sendable, Equatable {
    case notQuotedPrintable
    /// No usable blank line before the body: the header block must be edited too.
    case headerEditNeeded
    case lineTooLong
    /// A bare CR, or a line end other than the message's.
    case unexpectedLineEnding
    /// The line walk's decoded length differs from the decoded body's.
    case decodedLengthMismatch
    /// An edit touches the body's last line (or the body is empty).
    case touchesLastLine
}

/// The encoded lines of a quoted-printable body and the decoded offset where each starts.
struct QPLineMap {
    /// Per line: where it starts in the encoded body, the decoded offset there and whether it ends
    /// with a soft line break; then one more entry: the body length and the decoded length.
    struct Entry {
        var encoded: Int
        var decoded: Int
        var soft: Bool
    }
    var entries: [Entry] = []

    func encodedStart(_ line: Int) -> Int { entries[line].encoded }
    func decodedStart(_ line: Int) -> Int { entries[line].decoded }
    func softBreak(_ line: Int) -> Bool { entries[line].soft }
    var lineCount: Int { entries.count - 1 }
    var decodedCount: Int { entries.last?.decoded ?? 0 }

    /// Walks `body` (lines end after each LF). Fails, saying why, when a line is longer than 76
    /// octets before its line end, holds a CR that is not the `lineEnding` CRLF, or ends with a
    /// line end other than `lineEnding`. Each line's decoded length is what QuotedPrintable.decode
    /// gives for that line alone.
    static func build(_ body: UnsafeRawBufferPointer, lineEnding: LineEnding) -> Result<QPLineMap, QPSpliceFallback> {
        var map = QPLineMap()
        let n = body.count
        guard n > 0, let base = body.baseAddress else {
            map.entries = [Entry(encoded: 0, decoded: 0, soft: false)]
            return .success(map)
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let crlf = lineEnding == .crlf
        map.entries.reserveCapacity(n / 60 + 2)
        var lineStart = 0
        var decoded = 0
        var length = 0              // decoded length of the current line so far
        var i = 0
        // One pass: literal runs are skipped sixteen octets at a time up to the next "=", CR or LF
        // (QPScan.nextDecodeSpecial); each line's decoded length is what QuotedPrintable.decode gives
        // for that line alone: literal octets, "=XX" as one, a soft break as none, transport
        // padding before a hard break dropped.
        while true {
            let k = QPScan.nextDecodeSpecial(p, from: i, to: n)
            length += k - i
            var soft = false
            var contentEnd = k                  // end of the line without its terminator
            var next = k                        // start of the next line
            if k == n {
                // The body's last line, without a line end (nothing at all if the body ended with one).
                if lineStart == n { break }
                next = n
            } else if p[k] == 61 {
                if k + 2 < n, HeaderParameters.hexValue(p[k + 1]) != nil, HeaderParameters.hexValue(p[k + 2]) != nil {
                    length += 1
                    i = k + 3
                    continue
                }
                var j = k + 1
                while j < n && Bytes.isWSP(p[j]) { j += 1 }
                if j == n {
                    soft = true
                    contentEnd = n
                    next = n
                } else if p[j] == Bytes.lf || (p[j] == Bytes.cr && j + 1 < n && p[j + 1] == Bytes.lf) {
                    soft = true
                    contentEnd = j
                    next = p[j] == Bytes.lf ? j + 1 : j + 2
                    if (p[j] == Bytes.cr) != crlf { return .failure(.unexpectedLineEnding) }
                } else {
                    length += 1                 // invalid "=": kept literally
                    i = k + 1
                    continue
                }
            } else {
                // A hard line end: CRLF, or LF; a CR alone, or the other line ending, refused.
                let isCRLF = p[k] == Bytes.cr
                if isCRLF && !(k + 1 < n && p[k + 1] == Bytes.lf) { return .failure(.unexpectedLineEnding) }
                if isCRLF != crlf { return .failure(.unexpectedLineEnding) }
                next = k + (isCRLF ? 2 : 1)
                var t = k
                while t > lineStart && Bytes.isWSP(p[t - 1]) { t -= 1 }
                length -= k - t
                length += next - k
            }
            if contentEnd - lineStart > QuotedPrintable.maxLineLength { return .failure(.lineTooLong) }
            map.entries.append(Entry(encoded: lineStart, decoded: decoded, soft: soft))
            decoded += length
            length = 0
            lineStart = next
            i = next
            if next == n { break }
        }
        map.entries.append(Entry(encoded: n, decoded: decoded, soft: false))
        return .success(map)
    }

    /// The last line whose decoded start is at or before `offset`, searching from `from`.
    func line(containing offset: Int, from: Int) -> Int {
        var l = from
        while l + 1 < lineCount && decodedStart(l + 1) <= offset { l += 1 }
        return l
    }
}

enum QPSplice {
    /// The replacements for the encoded body, in body-relative encoded offsets, sorted.
    enum Plan {
        case splice([(range: Range<Int>, bytes: [UInt8])], reencodedLines: Int)
        case fallback(QPSpliceFallback)
    }

    /// Plans the splice of `edits` (sorted, non-overlapping, within `decoded`) into `body`.
    static func plan(body: UnsafeRawBufferPointer, decoded: [UInt8], edits: [DecodedEdit], lineEnding: LineEnding) -> Plan {
        let map: QPLineMap
        switch QPLineMap.build(body, lineEnding: lineEnding) {
        case .success(let m): map = m
        case .failure(let why): return .fallback(why)
        }
        guard map.decodedCount == decoded.count else { return .fallback(.decodedLengthMismatch) }
        guard !edits.isEmpty else { return .splice([], reencodedLines: 0) }
        let lastLine = map.lineCount - 1
        guard lastLine >= 0 else { return .fallback(.touchesLastLine) }

        // Groups of touched lines, in order; adjacent or overlapping ones merged.
        var groups: [(first: Int, last: Int)] = []
        var lo = 0, hi = 0
        for e in edits {
            lo = map.line(containing: e.range.lowerBound, from: lo)
            var last = lo
            if !e.range.isEmpty {
                hi = map.line(containing: e.range.upperBound - 1, from: max(hi, lo))
                last = hi
            }
            if last >= lastLine { return .fallback(.touchesLastLine) }
            if let g = groups.last, lo <= g.last + 1 {
                groups[groups.count - 1].last = max(g.last, last)
                continue
            }
            // Start neutral: after a soft break that follows literal whitespace, the decoder would
            // carry that whitespace into the group (and drop it before a hard break): take the
            // previous line in too.
            var first = lo
            while first > 0 && map.softBreak(first - 1) && map.decodedStart(first) > 0
                    && Bytes.isWSP(decoded[map.decodedStart(first) - 1]) { first -= 1 }
            if let g = groups.last, first <= g.last + 1 {
                groups[groups.count - 1].last = max(g.last, last)
            } else {
                groups.append((first, last))
            }
        }

        var out: [(range: Range<Int>, bytes: [UInt8])] = []
        out.reserveCapacity(groups.count)
        var lines = 0
        var gi = 0
        var ei = 0
        while gi < groups.count {
            let first = groups[gi].first
            var last = groups[gi].last
            var bytes: [UInt8]
            var groupEdits = 0
            while true {
                let s = map.decodedStart(first), e = map.decodedStart(last + 1)
                groupEdits = 0
                while ei + groupEdits < edits.count && edits[ei + groupEdits].range.lowerBound < e { groupEdits += 1 }
                let content = apply(decoded, s..<e, edits[ei..<(ei + groupEdits)])
                bytes = encodeGroup(content, lineEnding: lineEnding)
                // End neutral: content ending in literal whitespace before the soft break must not
                // run into a next line that could extend that whitespace to a hard break.
                // (Content not ending with LF always ends with a soft break, see encodeGroup.)
                let pending = content.last.map(Bytes.isWSP) ?? false
                if !pending || startsWithResettingToken(body, map, line: last + 1) { break }
                last += 1
                if last >= lastLine { return .fallback(.touchesLastLine) }
                if gi + 1 < groups.count && groups[gi + 1].first <= last + 1 {
                    last = max(last, groups[gi + 1].last)
                    groups.remove(at: gi + 1)
                }
            }
            ei += groupEdits
            lines += last - first + 1
            out.append((map.encodedStart(first)..<map.encodedStart(last + 1), bytes))
            gi += 1
        }
        return .splice(out, reencodedLines: lines)
    }

    /// `decoded[range]` with `edits` (all inside `range`, sorted) applied.
    static func apply(_ decoded: [UInt8], _ range: Range<Int>, _ edits: ArraySlice<DecodedEdit>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count + edits.reduce(0) { $0 + $1.bytes.count })
        var pos = range.lowerBound
        for e in edits {
            out.append(contentsOf: decoded[pos..<e.range.lowerBound])
            out.append(contentsOf: e.bytes)
            pos = e.range.upperBound
        }
        out.append(contentsOf: decoded[pos..<range.upperBound])
        return out
    }

    /// Encodes group content starting at column 0. Content that does not end with a line end
    /// continues on the next kept line: it ends with a soft break, and its last line is encoded
    /// as if more text followed (limit 75 before the "=", whitespace literal).
    static func encodeGroup(_ content: [UInt8], lineEnding: LineEnding) -> [UInt8] {
        guard let lastOctet = content.last else { return [] }
        if lastOctet == Bytes.lf { return QuotedPrintable.encode(content, lineEnding: lineEnding) }
        // A plain sentinel octet stands for the text that follows; it is dropped again. The encoder
        // may have put a soft break before it, which is then the break needed.
        var bytes = QuotedPrintable.encode(content + [120], lineEnding: lineEnding)
        bytes.removeLast()
        if bytes.last != Bytes.lf { bytes.append(61); bytes += lineEnding.bytes }
        return bytes
    }

    /// True when line `line` starts with a token after which the decoder has no whitespace
    /// pending (a literal other than SP, HTAB, CR, LF and "=", or a valid "=XX", even "=20"), so
    /// whitespace pending from before it can no longer be taken for transport padding.
    static func startsWithResettingToken(_ body: UnsafeRawBufferPointer, _ map: QPLineMap, line: Int) -> Bool {
        let s = map.encodedStart(line), end = map.encodedStart(line + 1)
        guard s < end else { return false }
        let b = body[s]
        if b == 61 {
            return s + 2 < end && HeaderParameters.hexValue(body[s + 1]) != nil && HeaderParameters.hexValue(body[s + 2]) != nil
        }
        return !Bytes.isWSP(b) && b != Bytes.cr && b != Bytes.lf
    }
}

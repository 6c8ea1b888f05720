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

/// How `MIMERewriter.replaceLeaf(_:originalDecoded:edits:)` rewrote a leaf.
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
    /// Start of each line in the encoded body, plus the body length at the end (count + 1 entries).
    var encodedStart: [Int] = []
    /// Decoded offset at each line start, plus the decoded length at the end.
    var decodedStart: [Int] = []
    /// Per line: true when it ends with a soft line break.
    var softBreak: [Bool] = []

    var lineCount: Int { softBreak.count }
    var decodedCount: Int { decodedStart.last ?? 0 }

    /// Walks `body` (octets split after each LF). Nil when a line is longer than 76 octets before
    /// its line end or holds a CR that is not the `lineEnding` CRLF, or a line end is not
    /// `lineEnding` (`reason` says which). Each line's decoded length is what
    /// QuotedPrintable.decode gives for that line alone.
    static func build(_ body: UnsafeRawBufferPointer, lineEnding: LineEnding) -> Result<QPLineMap, QPSpliceFallback> {
        var map = QPLineMap()
        let n = body.count
        guard n > 0, let base = body.baseAddress else {
            map.encodedStart = [0]
            map.decodedStart = [0]
            return .success(map)
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let crlf = lineEnding == .crlf
        let estimate = n / 60 + 2
        map.encodedStart.reserveCapacity(estimate)
        map.decodedStart.reserveCapacity(estimate)
        map.softBreak.reserveCapacity(estimate)
        var lineStart = 0
        var decoded = 0
        while lineStart < n {
            let lf = Bytes.nextLF(body, from: lineStart)
            let sliceEnd = lf.map { $0 + 1 } ?? n          // the line with its terminator
            var contentEnd = lf ?? n                      // without it
            if let lf {
                let hasCR = lf > lineStart && p[lf - 1] == Bytes.cr
                if hasCR != crlf { return .failure(.unexpectedLineEnding) }
                if hasCR { contentEnd -= 1 }
            }
            if contentEnd - lineStart > QuotedPrintable.maxLineLength { return .failure(.lineTooLong) }
            // Decoded length of the line: literal octets, "=XX" as one, a soft break as none,
            // transport padding before a hard break dropped.
            var length = 0
            var soft = false
            var i = lineStart
            while i < contentEnd {
                let b = p[i]
                if b == 61 {
                    if i + 2 < sliceEnd, HeaderParameters.hexValue(p[i + 1]) != nil, HeaderParameters.hexValue(p[i + 2]) != nil {
                        length += 1
                        i += 3
                        continue
                    }
                    var j = i + 1
                    while j < contentEnd && Bytes.isWSP(p[j]) { j += 1 }
                    if j == contentEnd { soft = true; break }   // "=" [WSP...] line end (or end of body)
                    length += 1                                  // invalid "=": kept literally
                    i += 1
                } else if b == Bytes.cr {
                    return .failure(.unexpectedLineEnding)       // bare CR inside the line
                } else {
                    length += 1
                    i += 1
                }
            }
            if !soft {
                // Hard break (or the end of the body): trailing literal whitespace is padding
                // only before a line end.
                if lf != nil {
                    var t = contentEnd
                    while t > lineStart && Bytes.isWSP(p[t - 1]) { t -= 1 }
                    length -= contentEnd - t
                    length += sliceEnd - contentEnd
                }
            }
            map.encodedStart.append(lineStart)
            map.decodedStart.append(decoded)
            map.softBreak.append(soft)
            decoded += length
            lineStart = sliceEnd
        }
        map.encodedStart.append(n)
        map.decodedStart.append(decoded)
        return .success(map)
    }

    /// The last line whose decoded start is at or before `offset`, searching from `from`.
    func line(containing offset: Int, from: Int) -> Int {
        var l = from
        while l + 1 < lineCount && decodedStart[l + 1] <= offset { l += 1 }
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
            while first > 0 && map.softBreak[first - 1] && map.decodedStart[first] > 0
                    && Bytes.isWSP(decoded[map.decodedStart[first] - 1]) { first -= 1 }
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
                let s = map.decodedStart[first], e = map.decodedStart[last + 1]
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
            out.append((map.encodedStart[first]..<map.encodedStart[last + 1], bytes))
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
        let s = map.encodedStart[line], end = map.encodedStart[line + 1]
        guard s < end else { return false }
        let b = body[s]
        if b == 61 {
            return s + 2 < end && HeaderParameters.hexValue(body[s + 1]) != nil && HeaderParameters.hexValue(body[s + 2]) != nil
        }
        return !Bytes.isWSP(b) && b != Bytes.cr && b != Bytes.lf
    }
}

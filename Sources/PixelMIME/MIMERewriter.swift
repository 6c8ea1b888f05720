// MIMERewriter: builds a rewritten message as a list of chunks that reference the original
// buffer, changing only what was asked: top-level header fields removed, and replaced leaves
// re-encoded in their own transfer encoding (switched to quoted-printable, with their
// Content-Transfer-Encoding header rewritten, only when that encoding cannot carry the new
// content, or when identity-encoded content would contain an enclosing boundary delimiter).
// Every other byte is copied by range, so a rewrite with no edits yields exactly the
// input. Edits never overlap: header removals are top-level fields, leaf edits are inside leaves.

/// Replace `range` of the original message with `bytes` (an empty range inserts). With
/// `needsLineStart`, a line end is written first unless the output so far ends with one (how the
/// output ends is only known once all edits are placed, e.g. after a last header field without
/// line end was removed).
public struct ByteEdit: Sendable, Equatable {
    public var range: Range<Int>
    public var bytes: [UInt8]
    public var needsLineStart: Bool
    public init(range: Range<Int>, bytes: [UInt8], needsLineStart: Bool = false) {
        self.range = range
        self.bytes = bytes
        self.needsLineStart = needsLineStart
    }
}

/// One piece of output: a range of the original message, or new bytes.
public enum OutChunk: Sendable, Equatable {
    case original(Range<Int>)
    case bytes([UInt8])
}

public struct MIMERewriter: Sendable {
    public let message: MIMEMessage
    private let leafList: [MIMEPart]
    /// Pending edits: replace `range` of the original with `bytes`.
    private var edits: [ByteEdit] = []
    private var replaced: Set<Int> = []

    /// Per leaf, the boundaries of its enclosing multiparts: new content must not contain them.
    private let leafBoundaries: [[[UInt8]]]
    /// Offsets that follow an octet other than LF although an edit may sit there: the ends of
    /// header blocks whose last line has no line end. Every other edit position is a line start.
    private let unterminatedOffsets: Set<Int>

    public init(message: MIMEMessage) {
        self.message = message
        var leaves: [MIMEPart] = []
        var boundaries: [[[UInt8]]] = []
        func walk(_ part: MIMEPart, _ enclosing: [[UInt8]]) {
            if part.isLeaf { leaves.append(part); boundaries.append(enclosing); return }
            let inner = part.contentType.boundary.map { enclosing + [Array($0.utf8)] } ?? enclosing
            for child in part.children { walk(child, inner) }
        }
        walk(message.root, [])
        self.leafList = leaves
        self.leafBoundaries = boundaries
        self.unterminatedOffsets = Set(message.allParts().filter { !$0.headerEndsWithLineTerminator }.map(\.headerRange.upperBound))
    }

    /// True when some line of `body` starts with "--" followed by one of `boundaries` (a prefix
    /// match, stricter than RFC 2046, as some parsers match delimiters by prefix).
    static func containsDelimiter(_ body: [UInt8], _ boundaries: [[UInt8]]) -> Bool {
        guard !boundaries.isEmpty else { return false }
        var lineStart = 0
        while lineStart < body.count {
            if body.count - lineStart >= 2, body[lineStart] == 45, body[lineStart + 1] == 45 {
                for b in boundaries where body.count - lineStart - 2 >= b.count {
                    if body[(lineStart + 2)..<(lineStart + 2 + b.count)].elementsEqual(b) { return true }
                }
            }
            guard let nl = body[lineStart...].firstIndex(of: Bytes.lf) else { break }
            lineStart = nl + 1
        }
        return false
    }

    public var leafCount: Int { leafList.count }

    /// Removes every top-level header field whose name is one of `names` (case-insensitive).
    public mutating func removeTopLevelHeaders(names: [String]) {
        for field in message.root.headers where names.contains(where: { field.hasName($0) }) {
            edits.append(ByteEdit(range: field.range, bytes: []))
        }
    }

    /// Inserts a header field at the very top of the message (e.g. `Received:`). `value` must
    /// already be folded if long; the field is terminated with the message's line ending.
    public mutating func insertTopLevelHeader(name: String, value: String) {
        let line = Array("\(name): \(value)".utf8) + message.lineEnding.bytes
        edits.append(ByteEdit(range: 0..<0, bytes: line))
    }

    /// Replaces the content of leaf `index` (of `message.leaves()`) with `decodedBody`,
    /// re-encoded in the leaf's transfer encoding. A leaf can be replaced once.
    public mutating func replaceLeaf(_ index: Int, decodedBody: [UInt8]) throws(MIMERewriteError) {
        guard leafList.indices.contains(index) else { throw .noSuchLeaf(index: index, leafCount: leafList.count) }
        let part = leafList[index]
        if part.isMessageRFC822 { throw .leafNotRewritable(index: index, reason: "encapsulated message") }
        if part.contentType.isMultipart { throw .leafNotRewritable(index: index, reason: "multipart without body parts") }
        if case .other(let name) = part.transferEncoding {
            throw .leafNotRewritable(index: index, reason: "unknown transfer encoding \(name)")
        }
        if replaced.contains(index) { throw .leafNotRewritable(index: index, reason: "already replaced") }
        replaced.insert(index)
        let eol = message.lineEnding
        var result = TransferCodec.encode(decodedBody, part.transferEncoding, lineEnding: eol)
        var encoding = part.transferEncoding
        // Identity-encoded content holding an enclosing boundary would split the part: use QP.
        if part.transferEncoding.isIdentity && Self.containsDelimiter(result.bytes, leafBoundaries[index]) {
            result.needsQuotedPrintable = true
        }
        if result.needsQuotedPrintable {
            encoding = .quotedPrintable
            result = TransferCodec.encode(decodedBody, .quotedPrintable, lineEnding: eol)
            edits += MIMERewriter.transferEncodingEdits(for: part, to: .quotedPrintable, lineEnding: eol)
        }
        var body = result.bytes
        // Keep the original's final line terminator state: a body that ended with a line end
        // (the part runs to the end of the message) keeps one; base64 output, which always ends
        // with one, drops it when the original did not (the delimiter's CRLF follows).
        let originalEndsWithEOL = part.bodyEndsWithLineTerminator
        let newEndsWithEOL = body.last == Bytes.lf
        if part.bodyAbutsDelimiter && !body.isEmpty {
            // The delimiter follows at once: give it its own preceding line end.
            if !(encoding == .base64 && newEndsWithEOL) { body.append(contentsOf: eol.bytes) }
        } else if originalEndsWithEOL && !newEndsWithEOL && !body.isEmpty {
            body.append(contentsOf: eol.bytes)
        } else if !originalEndsWithEOL && newEndsWithEOL && encoding == .base64 {
            body.removeLast(eol.bytes.count)
        }
        if part.hasHeaderSeparator && part.bodyStartsOnNewLine {
            edits.append(ByteEdit(range: part.bodyRange, bytes: body))
        } else {
            // No usable blank line after the header (none at all, or a bare CR at the end of the
            // message): replace whatever separates header and body by a proper one.
            edits.append(ByteEdit(range: part.headerRange.upperBound..<part.bodyRange.upperBound,
                                  bytes: eol.bytes + body, needsLineStart: true))
        }
    }

    /// Applies `edits` (decoded offsets, sorted, non-overlapping, within `originalDecoded`) to leaf
    /// `index`. `buffer` is the message the rewriter's message was parsed from and
    /// `originalDecoded` the leaf's decoded body (TransferCodec.decodeBody). A quoted-printable
    /// leaf is spliced (QPSplice): only the encoded lines the edits touch are re-encoded, every
    /// other line is kept byte for byte. Any other leaf, or a QP leaf the splice cannot handle
    /// safely, is re-encoded whole exactly as `replaceLeaf(_:decodedBody:)` does with the edits
    /// applied (also when `buffer` is too short to hold the leaf). Returns which was done. A leaf
    /// can be replaced once.
    @discardableResult
    public mutating func replaceLeaf(_ index: Int, in buffer: UnsafeRawBufferPointer, originalDecoded: [UInt8],
                                     edits leafEdits: [DecodedEdit]) throws(MIMERewriteError) -> LeafRewrite {
        guard leafList.indices.contains(index) else { throw .noSuchLeaf(index: index, leafCount: leafList.count) }
        var pos = 0
        for e in leafEdits {
            guard e.range.lowerBound >= pos, e.range.upperBound <= originalDecoded.count else {
                throw .leafNotRewritable(index: index, reason: "edits out of order, overlapping or out of bounds")
            }
            pos = e.range.upperBound
        }
        let part = leafList[index]
        let why: QPSpliceFallback
        if part.transferEncoding != .quotedPrintable || part.isMessageRFC822 || part.contentType.isMultipart
            || replaced.contains(index) {
            why = .notQuotedPrintable // (the whole-leaf path refuses the last three)
        } else if !(part.hasHeaderSeparator && part.bodyStartsOnNewLine) || part.bodyRange.upperBound > buffer.count {
            why = .headerEditNeeded
        } else {
            let body = UnsafeRawBufferPointer(rebasing: buffer[part.bodyRange])
            switch QPSplice.plan(body: body, decoded: originalDecoded, edits: leafEdits, lineEnding: message.lineEnding) {
            case .fallback(let reason):
                why = reason
            case .splice(let groups, let lines):
                replaced.insert(index)
                let base = part.bodyRange.lowerBound
                for g in groups {
                    edits.append(ByteEdit(range: (base + g.range.lowerBound)..<(base + g.range.upperBound), bytes: g.bytes))
                }
                return .spliced(reencodedLines: lines, groups: groups.count)
            }
        }
        try replaceLeaf(index, decodedBody: QPSplice.apply(originalDecoded, 0..<originalDecoded.count, leafEdits[...]))
        return .wholeLeaf(why)
    }

    /// The edits that set a part's Content-Transfer-Encoding: the first existing field is
    /// rewritten and any duplicates removed (so no parser can pick a stale one), or, with no
    /// such field, one is inserted at the end of the header block.
    public static func transferEncodingEdits(for part: MIMEPart, to encoding: TransferEncoding,
                                             lineEnding: LineEnding) -> [ByteEdit] {
        let line = Array("Content-Transfer-Encoding: \(encoding)".utf8) + lineEnding.bytes
        let existing = part.headers(named: "content-transfer-encoding")
        if let first = existing.first {
            return [ByteEdit(range: first.range, bytes: line)] + existing.dropFirst().map { ByteEdit(range: $0.range, bytes: []) }
        }
        let at = part.headerRange.upperBound
        // A header block whose last line has no terminator (it ran to the end of the message, or
        // is empty after a final delimiter line without one) gets one first.
        return [ByteEdit(range: at..<at, bytes: line, needsLineStart: true)]
    }

    /// The output chunks: original ranges between edits, in order.
    public func chunks() -> [OutChunk] {
        // Order by position; equal positions keep the order the edits were made in.
        let sorted = edits.enumerated().sorted {
            ($0.element.range.lowerBound, $0.element.range.upperBound, $0.offset)
                < ($1.element.range.lowerBound, $1.element.range.upperBound, $1.offset)
        }.map(\.element)
        var out: [OutChunk] = []
        var pos = 0
        var atLineStart = true
        for edit in sorted {
            let lo = max(edit.range.lowerBound, pos)
            if lo > pos {
                out.append(.original(pos..<lo))
                atLineStart = !unterminatedOffsets.contains(lo)
            }
            var bytes = edit.bytes
            if edit.needsLineStart && !atLineStart { bytes = message.lineEnding.bytes + bytes }
            if !bytes.isEmpty {
                out.append(.bytes(bytes))
                atLineStart = bytes.last == Bytes.lf
            }
            pos = max(pos, edit.range.upperBound)
        }
        if pos < message.byteCount { out.append(.original(pos..<message.byteCount)) }
        return out
    }

    /// One-call form: removes `removingTopLevelHeaders`, applies `replacements` (leaf index ->
    /// new decoded body), returns the chunks.
    public static func rewrite(_ message: MIMEMessage, removingTopLevelHeaders names: [String] = [],
                               replacements: [Int: [UInt8]] = [:]) throws(MIMERewriteError) -> [OutChunk] {
        var rewriter = MIMERewriter(message: message)
        rewriter.removeTopLevelHeaders(names: names)
        for index in replacements.keys.sorted() {
            try rewriter.replaceLeaf(index, decodedBody: replacements[index]!)
        }
        return rewriter.chunks()
    }

    /// Concatenates chunks against the original buffer.
    public static func render(_ chunks: [OutChunk], original: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(original.count)
        for chunk in chunks {
            switch chunk {
            case .original(let r): out.append(contentsOf: original[r.clamped(to: 0..<original.count)])
            case .bytes(let b): out.append(contentsOf: b)
            }
        }
        return out
    }

    public static func render(_ chunks: [OutChunk], original: [UInt8]) -> [UInt8] {
        original.withUnsafeBytes { render(chunks, original: $0) }
    }
}

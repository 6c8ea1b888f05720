// MIMEParser: one-pass, line-driven MIME structure parser in the style of Postfix's
// mime_state.c. Each line is found with memchr and examined once: in a header block it is
// classified (field, continuation, blank, other); anywhere it is checked against the boundaries
// of the open multiparts (outermost first; an outer boundary also closes the inner parts), with
// the delimiter rules of Python's email feedparser so both see the same structure.
// Guarantees: linear time in the message size, bounded work per line (at most maxDepth
// boundary comparisons), no recursion during the scan, typed MIMEError when a MIMELimits bound
// is exceeded, and otherwise a lenient result with `defects`. Only LF ends a line (a bare CR is
// an ordinary octet, as in Postfix; the relay normalises bare CR/LF before the engine).

public enum MIMEParser {
    /// Parses the structure of `message`. Throws only when a limit is exceeded.
    public static func parse(_ message: UnsafeRawBufferPointer, limits: MIMELimits = .default) throws(MIMEError) -> MIMEMessage {
        var machine = ParserMachine(buffer: message, limits: limits)
        let root = try machine.run()
        return MIMEMessage(root: root, defects: machine.defects,
                           lineEnding: LineEnding.detect(in: message), byteCount: message.count)
    }

    /// Convenience for byte arrays.
    public static func parse(_ message: [UInt8], limits: MIMELimits = .default) throws(MIMEError) -> MIMEMessage {
        let result = message.withUnsafeBytes { buffer in
            Result { () throws(MIMEError) -> MIMEMessage in try parse(buffer, limits: limits) }
        }
        return try result.get()
    }
}

/// A part under construction (reference type so the open chain can point into the tree).
final class PartBuilder {
    let start: Int
    let depth: Int
    let defaultType: ContentType
    var headerEnd = -1
    var bodyStart = -1
    var bodyEnd = -1
    var hasSeparator = false
    var fields: [HeaderField] = []
    var contentType: ContentType = .textPlainDefault
    var contentTypeDefaulted = true
    var transferEncoding: TransferEncoding = .sevenBit
    var disposition: Disposition?
    var isMessage = false
    /// The active boundary while this multipart's body is open and not yet closed.
    var boundary: [UInt8]?
    var closed = false
    var preambleEnd: Int?
    var epilogueStart: Int?
    var children: [PartBuilder] = []
    var bodyEndsWithEOL = false
    var headerEndsWithEOL = true
    /// The body is empty and a delimiter line starts right where it ends: the line terminator
    /// before that delimiter belongs to the header block (or its blank line).
    var bodyAbutsDelimiter = false
    var bodyStartsOnNewLine = true

    init(start: Int, depth: Int, defaultType: ContentType) {
        self.start = start
        self.depth = depth
        self.defaultType = defaultType
    }

    var inHeaders: Bool { bodyStart < 0 }

    func build() -> MIMEPart {
        let headerRange = start..<max(start, headerEnd)
        let body = bodyStart..<max(bodyStart, bodyEnd)
        var preamble: Range<Int>?
        var epilogue: Range<Int>?
        if let p = preambleEnd { preamble = bodyStart..<max(bodyStart, p) }
        if let e = epilogueStart, e <= body.upperBound { epilogue = e..<body.upperBound }
        return MIMEPart(headerRange: headerRange, bodyRange: body, hasHeaderSeparator: hasSeparator,
                        headers: fields, contentType: contentType, contentTypeDefaulted: contentTypeDefaulted,
                        transferEncoding: transferEncoding, disposition: disposition,
                        children: children.map { $0.build() }, depth: depth, isMessageRFC822: isMessage,
                        preambleRange: preamble, epilogueRange: epilogue,
                        bodyEndsWithLineTerminator: bodyEndsWithEOL, headerEndsWithLineTerminator: headerEndsWithEOL,
                        bodyAbutsDelimiter: bodyAbutsDelimiter, bodyStartsOnNewLine: bodyStartsOnNewLine)
    }
}

/// A boundary line: "--b" starts a body part, "--b--" closes the multipart.
enum DelimiterKind {
    case delimiter
    case close
}

/// The state machine. `chain` is the path from the root to the part whose bytes are being read.
struct ParserMachine {
    let buffer: UnsafeRawBufferPointer
    let limits: MIMELimits
    var defects: [String] = []
    var chain: [PartBuilder] = []
    /// Indices into `chain` of multiparts whose boundary is active, innermost last.
    var active: [Int] = []
    var partCount = 0

    init(buffer: UnsafeRawBufferPointer, limits: MIMELimits) {
        self.buffer = buffer
        self.limits = limits
    }

    mutating func run() throws(MIMEError) -> MIMEPart {
        let root = try newPart(start: 0, depth: 0, defaultType: .textPlainDefault)
        chain = [root]
        let n = buffer.count
        var pos = 0
        while pos < n {
            let lineStart = pos
            let (lineEnd, contentEnd) = line(at: pos)
            pos = lineEnd

            if !active.isEmpty, let (index, kind) = matchBoundary(lineStart, contentEnd) {
                pos = try onBoundary(chainIndex: index, isClose: kind == .close, lineStart: lineStart, lineEnd: lineEnd)
                continue
            }
            let current = chain[chain.count - 1]
            guard current.inHeaders else { continue }

            if contentEnd == lineStart {
                try finishHeaders(current, headerEnd: lineStart, bodyStart: lineEnd, separator: true)
            } else if Bytes.isWSP(buffer[lineStart]) || HeaderBlock.isFieldStart(buffer, lineStart, contentEnd)
                        || HeaderBlock.isEnvelopeLine(buffer, lineStart, contentEnd) {
                // A header line: bounded in length and in total block size.
                if lineEnd - lineStart > limits.maxLineLength {
                    throw .lineTooLong(limit: limits.maxLineLength, offset: lineStart)
                }
                if lineEnd - current.start > limits.maxHeaderSize {
                    throw .headerTooLarge(limit: limits.maxHeaderSize, offset: current.start)
                }
            } else {
                defects.append("header block of part at octet \(current.start) ends without a blank line at octet \(lineStart)")
                try finishHeaders(current, headerEnd: lineStart, bodyStart: lineStart, separator: false)
                pos = lineStart // the line belongs to the body (or to an encapsulated message's headers)
            }
        }
        // End of input: close every open part at the end.
        for i in stride(from: chain.count - 1, through: 0, by: -1) {
            close(chain[i], lineStart: n, cut: n)
        }
        markLineEnds(root)
        return root.build()
    }

    /// Finds the active boundary that `line` is a delimiter of. When several match (a nested
    /// multipart reusing its parent's boundary), the outermost wins, as in Python's feedparser
    /// (its line reader tests the enclosing boundaries before the multipart sees the line).
    func matchBoundary(_ start: Int, _ end: Int) -> (Int, DelimiterKind)? {
        for index in active {
            guard let b = chain[index].boundary else { continue }
            if let kind = matches(b, start, end) { return (index, kind) }
        }
        return nil
    }

    /// Whether the line [start, end) (terminator excluded) is a delimiter of `boundary`:
    /// "--" boundary ["--"] [ \t]* [CR], exactly as Python's email feedparser matches it.
    /// Returns nil when it is not.
    func matches(_ boundary: [UInt8], _ start: Int, _ end: Int) -> DelimiterKind? {
        let afterBoundary = start + 2 + boundary.count
        guard afterBoundary <= end, buffer[start] == 45, buffer[start + 1] == 45 else { return nil }
        for j in 0..<boundary.count where buffer[start + 2 + j] != boundary[j] { return nil }
        var i = afterBoundary
        var isClose = false
        if i + 2 <= end && buffer[i] == 45 && buffer[i + 1] == 45 { isClose = true; i += 2 }
        while i < end && (Bytes.isWSP(buffer[i]) || buffer[i] == Bytes.cr) { i += 1 }
        guard i == end else { return nil }
        return isClose ? .close : .delimiter
    }

    /// Line [start, lineEnd) and its content end (terminator excluded).
    func line(at start: Int) -> (end: Int, contentEnd: Int) {
        let lineEnd = (Bytes.nextLF(buffer, from: start).map { $0 + 1 }) ?? buffer.count
        var contentEnd = lineEnd
        if contentEnd > start && buffer[contentEnd - 1] == Bytes.lf { contentEnd -= 1 }
        if contentEnd > start && buffer[contentEnd - 1] == Bytes.cr { contentEnd -= 1 }
        return (lineEnd, contentEnd)
    }

    /// Handles a delimiter line of chain[chainIndex]; returns where scanning resumes.
    mutating func onBoundary(chainIndex: Int, isClose: Bool, lineStart: Int, lineEnd: Int) throws(MIMEError) -> Int {
        let cut = lineStart - Bytes.terminatorLength(before: lineStart, in: buffer)
        for i in stride(from: chain.count - 1, to: chainIndex, by: -1) {
            close(chain[i], lineStart: lineStart, cut: cut)
        }
        chain.removeSubrange((chainIndex + 1)...)
        active.removeAll { $0 > chainIndex }
        let multipart = chain[chainIndex]
        if multipart.preambleEnd == nil { multipart.preambleEnd = max(multipart.bodyStart, cut) }
        if isClose {
            multipart.closed = true
            multipart.epilogueStart = lineEnd
            active.removeAll { $0 == chainIndex }
            return lineEnd
        }
        // Like Python's feedparser, further delimiter lines of this boundary that follow at once
        // (close delimiters included) are consumed: they make no empty body parts.
        var start = lineEnd
        if let boundary = multipart.boundary {
            while start < buffer.count {
                let (end, contentEnd) = line(at: start)
                guard matches(boundary, start, contentEnd) != nil else { break }
                if start == lineEnd { defects.append("repeated boundary delimiter at octet \(start)") }
                start = end
            }
        }
        let defaultType: ContentType = multipart.contentType.subtype == "digest" ? .messageRFC822Default : .textPlainDefault
        let child = try newPart(start: start, depth: multipart.depth + 1, defaultType: defaultType)
        multipart.children.append(child)
        chain.append(child)
        return start
    }

    /// Ends `part` where a delimiter line starts (`cut` excludes the terminator before it).
    mutating func close(_ part: PartBuilder, lineStart: Int, cut: Int) {
        let atDelimiter = lineStart < buffer.count
        defer { part.bodyAbutsDelimiter = atDelimiter && cut < part.bodyStart }
        if part.inHeaders {
            part.fields = HeaderBlock.parse(buffer, part.start..<lineStart, defects: &defects)
            applyHeaders(part)
            part.headerEnd = lineStart
            part.bodyStart = lineStart
            part.bodyEnd = lineStart
            if part.depth > 0 && lineStart < buffer.count {
                defects.append("part at octet \(part.start) has no body before the next boundary")
            }
            return
        }
        part.bodyEnd = max(part.bodyStart, cut)
        if part.boundary != nil {
            if !part.closed {
                defects.append("multipart at octet \(part.start) has no close delimiter (missing final boundary)")
            }
            if part.children.isEmpty {
                defects.append("multipart at octet \(part.start) has no start boundary")
            }
        }
    }

    /// Records, per part, whether its header block and body end with LF (iterative walk).
    func markLineEnds(_ root: PartBuilder) {
        var stack = [root]
        while let p = stack.popLast() {
            // An empty header block "ends" where the part starts: normally after the LF of its
            // delimiter line, but not when that line was the last of the message without one.
            let lastHeaderByte = p.headerEnd > p.start ? p.headerEnd - 1 : p.start - 1
            p.headerEndsWithEOL = lastHeaderByte < 0 || buffer[lastHeaderByte] == Bytes.lf
            p.bodyEndsWithEOL = p.bodyEnd > p.bodyStart && buffer[p.bodyEnd - 1] == Bytes.lf
            p.bodyStartsOnNewLine = p.bodyStart <= 0 || buffer[p.bodyStart - 1] == Bytes.lf
            stack.append(contentsOf: p.children)
        }
    }

    mutating func finishHeaders(_ part: PartBuilder, headerEnd: Int, bodyStart: Int, separator: Bool) throws(MIMEError) {
        part.fields = HeaderBlock.parse(buffer, part.start..<headerEnd, defects: &defects)
        part.headerEnd = headerEnd
        part.bodyStart = bodyStart
        part.hasSeparator = separator
        applyHeaders(part)
        let type = part.contentType
        if type.isMultipart {
            guard let boundary = type.boundary, !boundary.isEmpty else {
                defects.append("multipart at octet \(part.start) has no boundary parameter")
                return
            }
            let bytes = Array(boundary.utf8)
            if bytes.count > limits.maxBoundaryLength {
                throw .boundaryTooLong(length: bytes.count, limit: limits.maxBoundaryLength, offset: part.start)
            }
            part.boundary = bytes
            active.append(chain.count - 1)
        } else if type.isEncapsulatedMessage {
            part.isMessage = true
            guard part.transferEncoding.isIdentity else { return } // encoded message: opaque leaf
            let inner = try newPart(start: bodyStart, depth: part.depth + 1, defaultType: .textPlainDefault)
            part.children = [inner]
            chain.append(inner)
        }
    }

    mutating func applyHeaders(_ part: PartBuilder) {
        var ct: ContentType?
        if let field = part.fields.first(where: { $0.hasName("content-type") }) {
            ct = ContentType.parse(field.value, defects: &defects)
        }
        part.contentType = ct ?? part.defaultType
        part.contentTypeDefaulted = ct == nil
        part.transferEncoding = TransferEncoding(headerValue: part.fields.first { $0.hasName("content-transfer-encoding") }?.value)
        if let d = part.fields.first(where: { $0.hasName("content-disposition") }) {
            part.disposition = Disposition.parse(d.value, defects: &defects)
        }
    }

    mutating func newPart(start: Int, depth: Int, defaultType: ContentType) throws(MIMEError) -> PartBuilder {
        if depth > limits.maxDepth { throw .depthExceeded(limit: limits.maxDepth, offset: start) }
        partCount += 1
        if partCount > limits.maxParts { throw .tooManyParts(limit: limits.maxParts, offset: start) }
        return PartBuilder(start: start, depth: depth, defaultType: defaultType)
    }
}

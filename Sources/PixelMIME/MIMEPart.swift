// MIMEPart and MIMEMessage: the immutable result of one parse. A part records byte ranges into
// the caller's buffer (never copies of the body) plus its typed headers and children. Ranges
// follow RFC 2046: the line terminator before a boundary delimiter belongs to the delimiter,
// so it is in no part's bodyRange.

/// One MIME entity: the root message, a body part of a multipart, or an encapsulated message.
public struct MIMEPart: Sendable, Equatable {
    /// The header block bytes, excluding the blank line that ends it.
    public var headerRange: Range<Int>
    /// The body bytes, from after the blank line to the line terminator before the next boundary
    /// delimiter (or to the end of the message / enclosing part).
    public var bodyRange: Range<Int>
    /// True when a blank line separated headers and body (false: headers ran into the body or
    /// into a boundary; a rewrite then inserts one).
    public var hasHeaderSeparator: Bool
    public var headers: [HeaderField]
    public var contentType: ContentType
    /// True when the part had no valid Content-Type and got its default.
    public var contentTypeDefaulted: Bool
    public var transferEncoding: TransferEncoding
    public var disposition: Disposition?
    /// Sub-parts: the body parts of a multipart, or the one encapsulated message of a
    /// message/rfc822 part (when its transfer encoding lets it be parsed).
    public var children: [MIMEPart]
    /// 0 for the root message.
    public var depth: Int
    /// message/rfc822 or message/global: a leaf for rewriting, never descended into to rewrite.
    public var isMessageRFC822: Bool
    /// For a multipart: the preamble (before the first delimiter) and epilogue (after the close
    /// delimiter) ranges, when present.
    public var preambleRange: Range<Int>?
    public var epilogueRange: Range<Int>?
    /// True when the body's last octet is LF (only a body that runs to the end of the message or
    /// of an enclosing encapsulated message can end so; others end before a delimiter's CRLF).
    public var bodyEndsWithLineTerminator: Bool
    /// True when the header block's last line ends with LF (for an empty block: when the part
    /// starts on a new line, i.e. after its delimiter line's LF or at the start of the message).
    public var headerEndsWithLineTerminator: Bool
    /// True when the body is empty and the next boundary delimiter starts right where it ends (the
    /// line end before the delimiter is the header's): a new body must then be followed by one.
    public var bodyAbutsDelimiter: Bool
    /// True when the body starts at the beginning of a line (false only when the blank line
    /// ending the header block is a bare CR at the very end of the message).
    public var bodyStartsOnNewLine: Bool

    /// Header bytes plus body: the whole entity.
    public var range: Range<Int> { headerRange.lowerBound..<max(headerRange.upperBound, bodyRange.upperBound) }

    /// First header field with this name (ASCII case-insensitive).
    public func header(_ name: String) -> HeaderField? { headers.first { $0.hasName(name) } }
    /// All header fields with this name, in order.
    public func headers(named name: String) -> [HeaderField] { headers.filter { $0.hasName(name) } }

    /// True when this part is a leaf of the rewriting tree (no children to descend into).
    public var isLeaf: Bool { children.isEmpty || isMessageRFC822 }

    /// The Content-ID without angle brackets, if any.
    public var contentID: String? {
        guard var v = header("content-id")?.value.trimmingASCIIWhitespace() else { return nil }
        if v.hasPrefix("<") { v.removeFirst() }
        if v.hasSuffix(">") { v.removeLast() }
        return v
    }
    /// The attachment file name: Content-Disposition filename, else Content-Type name (RFC 2047
    /// encoded words, which some mailers put there, decoded).
    public var filename: String? {
        (disposition?.filename ?? contentType.parameters["name"]).map(EncodedWords.decode)
    }
}

/// The parsed structure of one message.
public struct MIMEMessage: Sendable, Equatable {
    public var root: MIMEPart
    /// Lenient-parse notes: missing boundaries, malformed headers... Empty for a clean message.
    public var defects: [String]
    /// The line terminator of the message (from its first line).
    public var lineEnding: LineEnding
    /// The size of the parsed buffer.
    public var byteCount: Int

    /// Leaf parts in document order. A message/rfc822 part is one leaf (not descended into);
    /// a multipart that has no body parts (no boundary found) is a leaf too.
    public func leaves() -> [MIMEPart] {
        var out: [MIMEPart] = []
        func walk(_ p: MIMEPart) {
            if p.isLeaf { out.append(p); return }
            for c in p.children { walk(c) }
        }
        walk(root)
        return out
    }

    /// Every part in document order (pre-order), descending into encapsulated messages.
    public func allParts() -> [MIMEPart] {
        var out: [MIMEPart] = []
        func walk(_ p: MIMEPart) {
            out.append(p)
            for c in p.children { walk(c) }
        }
        walk(root)
        return out
    }
}

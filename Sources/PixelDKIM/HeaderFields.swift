// HeaderFields: find where a message's header block ends (streaming, over chunks) and split the
// block into fields, each with its exact raw bytes (folding included).
// Contract: a field starts at a line that does not begin with SP/TAB and runs until the next such
// line; lines end in CRLF or a bare LF. The header block ends with the first empty line; a message
// without one is all header. Field names compare case-insensitively. No field is ever dropped.

/// One header field: its name and where its raw bytes (including the line end) sit in the block.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var range: Range<Int>

    /// True when the name equals `other` ignoring ASCII case.
    public func isNamed(_ other: String) -> Bool { name.lowercased() == other.lowercased() }
}

/// Feeds chunks until the empty line that ends the header block; collects the header bytes.
public struct HeaderBlockScanner: Sendable {
    /// The header block as seen so far, including the empty line once found.
    public private(set) var bytes: [UInt8] = []
    public private(set) var isComplete = false
    private var atLineStart = true
    private var pendingCR = false

    public init() {}

    /// Consumes `buf`; returns the offset in `buf` where the body starts once the empty line is
    /// found (it may equal `buf.count`), else nil (and the whole buffer belonged to the header).
    public mutating func feed(_ buf: UnsafeRawBufferPointer) -> Int? {
        precondition(!isComplete, "header block already complete")
        for i in 0..<buf.count {
            let b = buf[i]
            bytes.append(b)
            if pendingCR {
                pendingCR = false
                if b == 0x0A { isComplete = true; return i + 1 }
                atLineStart = false
            }
            if b == 0x0A {
                if atLineStart { isComplete = true; return i + 1 }
                atLineStart = true
            } else if b == 0x0D && atLineStart {
                pendingCR = true
            } else {
                atLineStart = false
            }
        }
        return nil
    }
}

public enum HeaderFields {
    /// The fields of a header block (a trailing empty line is ignored).
    public static func split(_ block: [UInt8]) -> [HeaderField] {
        var fields: [HeaderField] = []
        var lineStart = 0
        var fieldStart: Int? = nil
        func close(_ end: Int) {
            guard let s = fieldStart else { return }
            fields.append(HeaderField(name: name(block, s, end), range: s..<end))
            fieldStart = nil
        }
        var i = 0
        while i <= block.count {
            if i == block.count || block[i] == 0x0A {
                let end = i == block.count ? i : i + 1
                let line = lineStart..<end
                let content = block[line].filter { $0 != 0x0D && $0 != 0x0A }
                if line.isEmpty { break }
                if content.isEmpty { close(lineStart); break }  // empty line: end of the header block
                let first = block[lineStart]
                if first == 0x20 || first == 0x09 {
                    if fieldStart == nil { fieldStart = lineStart }  // stray continuation: keep its bytes
                } else {
                    close(lineStart)
                    fieldStart = lineStart
                }
                lineStart = end
            }
            i += 1
        }
        close(min(lineStart, block.count))
        return fields
    }

    private static func name(_ block: [UInt8], _ start: Int, _ end: Int) -> String {
        var j = start
        while j < end && block[j] != UInt8(ascii: ":") { j += 1 }
        var k = j
        while k > start && (block[k - 1] == 0x20 || block[k - 1] == 0x09) { k -= 1 }
        return String(decoding: block[start..<k], as: UTF8.self)
    }

    /// The unfolded value of a field (after the colon), without the line end.
    public static func value(_ block: [UInt8], _ field: HeaderField) -> String {
        let raw = block[field.range]
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        let v = raw[(colon + 1)...].filter { $0 != 0x0D && $0 != 0x0A }
        return String(decoding: v, as: UTF8.self)
    }

    /// The lower-case domain of the first address in a From value, or nil when there is none.
    public static func fromDomain(_ value: String) -> String? {
        // Drop quoted strings and comments, which may contain '@', '<' or ','. Octets, not
        // Characters: the delimiters are ASCII and a Character walk was most of the signer's setup.
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(value.utf8.count)
        var inQuote = false, depth = 0, escape = false
        for c in value.utf8 {
            if escape { escape = false; continue }
            if c == 0x5C && (inQuote || depth > 0) { escape = true; continue }     // backslash
            if inQuote { if c == 0x22 { inQuote = false }; continue }
            if c == 0x28 { depth += 1; continue }                                   // (
            if c == 0x29 && depth > 0 { depth -= 1; continue }                      // )
            if depth > 0 { continue }
            if c == 0x22 { inQuote = true; continue }                               // "
            cleaned.append(c)
        }
        let addr: ArraySlice<UInt8>
        if let lt = cleaned.firstIndex(of: 0x3C), let gt = cleaned[lt...].firstIndex(of: 0x3E) {   // < >
            addr = cleaned[(lt + 1)..<gt]
        } else {
            addr = cleaned.split(separator: 0x2C).first ?? []                                      // ,
        }
        guard let at = addr.lastIndex(of: 0x40) else { return nil }                              // @
        var d = addr[(at + 1)...]
        while let f = d.first, f == 0x20 || f == 0x09 { d.removeFirst() }
        while let l = d.last, l == 0x20 || l == 0x09 { d.removeLast() }
        var domain = String(decoding: d, as: UTF8.self).lowercased()
        while domain.hasSuffix(".") { domain.removeLast() }
        if domain.hasPrefix("[") || domain.isEmpty { return nil }
        return domain
    }
}

// HeaderField and HeaderBlock: one RFC 5322 header field with its exact byte range, and the
// parser of a header block into fields. Values are unfolded (line breaks before WSP removed);
// ranges cover the whole field including continuation lines and its final line terminator, so
// a field can be removed or replaced without touching any other byte.

/// One header field as it appears in the message.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (case preserved). Compare with `hasName(_:)`.
    public let name: String
    /// The unfolded value, leading whitespace and the final line terminator removed. Octets
    /// that are not valid UTF-8 are read as ISO-8859-1.
    public let value: String
    /// The whole field: name, colon, value, continuation lines and the final terminator.
    public let range: Range<Int>

    public init(name: String, value: String, range: Range<Int>) {
        self.name = name
        self.value = value
        self.range = range
    }

    /// Case-insensitive (ASCII) name comparison.
    public func hasName(_ other: String) -> Bool { HeaderBlock.asciiEqualFold(name, other) }
}

/// Parses a header block (the bytes before the blank line) into fields.
enum HeaderBlock {
    /// True when `line` (without terminator) starts a field: `[\x21-\x39\x3B-\x7E]*:` like
    /// Python's email feedparser (so "Name : value" is not a field).
    /// The name must end (with its colon) within this many octets: RFC 5322's line limit.
    static let maxFieldNameLength = 998

    static func isFieldStart(_ buffer: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var i = start
        let stop = min(end, start + maxFieldNameLength + 1)
        while i < stop {
            let b = buffer[i]
            if b == 58 { return true }
            if b < 0x21 || b > 0x7E { return false }
            i += 1
        }
        return false
    }

    /// True when the line is an mbox "From " envelope line (tolerated inside a header block).
    static func isEnvelopeLine(_ buffer: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 5 else { return false }
        return buffer[start] == 70 && buffer[start + 1] == 114 && buffer[start + 2] == 111
            && buffer[start + 3] == 109 && buffer[start + 4] == 32
    }

    /// Splits `range` (a header block) into fields. Lines that are neither fields nor
    /// continuations (a leading continuation, an envelope line) are skipped; the first such line
    /// of the block is noted in `defects` (one note per block keeps defects bounded).
    static func parse(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, defects: inout [String]) -> [HeaderField] {
        var fields: [HeaderField] = []
        var noted = false
        var fieldStart = -1
        var pos = range.lowerBound
        func flush(_ end: Int) {
            if fieldStart >= 0 { fields.append(makeField(buffer, fieldStart..<end)) }
            fieldStart = -1
        }
        while pos < range.upperBound {
            let lineEnd = min((Bytes.nextLF(buffer, from: pos) ?? (range.upperBound - 1)) + 1, range.upperBound)
            let first = buffer[pos]
            if Bytes.isWSP(first) {
                if fieldStart < 0 && !noted {
                    defects.append("header continuation line without a field at octet \(pos)")
                    noted = true
                }
            } else if isFieldStart(buffer, pos, lineEnd) {
                flush(pos)
                fieldStart = pos
            } else {
                flush(pos)
                if !isEnvelopeLine(buffer, pos, lineEnd) && !noted {
                    defects.append("malformed header line at octet \(pos)")
                    noted = true
                }
            }
            pos = lineEnd
        }
        flush(range.upperBound)
        return fields
    }

    /// Builds one field from its bytes: name up to the colon, value unfolded (line breaks dropped,
    /// the whitespace after them kept) and trimmed of surrounding whitespace. Trimming whitespace
    /// and line breaks at both ends first gives the same value; a value on one line, the common
    /// case, is then decoded straight from the buffer, a folded one is joined first.
    static func makeField(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> HeaderField {
        var colon = range.lowerBound
        while colon < range.upperBound && buffer[colon] != 58 { colon += 1 }
        let name = decodeText(UnsafeRawBufferPointer(rebasing: buffer[range.lowerBound..<colon]))
        func isBlank(_ b: UInt8) -> Bool { Bytes.isWSP(b) || b == Bytes.cr || b == Bytes.lf }
        var lo = min(colon + 1, range.upperBound), hi = range.upperBound
        while lo < hi && isBlank(buffer[lo]) { lo += 1 }
        while hi > lo && isBlank(buffer[hi - 1]) { hi -= 1 }
        let raw = UnsafeRawBufferPointer(rebasing: buffer[lo..<hi])
        guard raw.contains(where: { $0 == Bytes.cr || $0 == Bytes.lf }) else {
            return HeaderField(name: name, value: decodeText(raw), range: range)
        }
        let joined = raw.filter { $0 != Bytes.cr && $0 != Bytes.lf }
        return joined.withUnsafeBytes { HeaderField(name: name, value: decodeText($0), range: range) }
    }

    /// UTF-8 when valid, ISO-8859-1 otherwise (lossless for diagnostics); ASCII, nearly every
    /// header, without validation.
    static func decodeText(_ bytes: UnsafeRawBufferPointer) -> String {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = String.UnicodeScalarView()
        for b in bytes { out.append(Unicode.Scalar(b)) }
        return String(out)
    }

    /// ASCII case-insensitive equality.
    static func asciiEqualFold(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where lowerASCII(x[i]) != lowerASCII(y[i]) { return false }
                return true
            }
        }
    }

    @inline(__always)
    static func lowerASCII(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
}

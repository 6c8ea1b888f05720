// QuotedPrintable: RFC 2045 6.7 codec. Decoding is lenient (lower-case hex accepted, invalid
// "=" sequences and raw 8-bit octets kept literally and reported as unclean, transport padding
// before a line end removed). Encoding always produces lines of at most 76 octets (soft breaks
// "=" included), encodes "=", control and 8-bit octets, whitespace before a line end and a "-"
// that starts a line (so no encoded line can be a boundary delimiter); a CRLF or LF in the
// content is a hard line break written with the requested line ending. Both directions write
// into a preallocated buffer in one pass; runs of ordinary octets go eight at a time (QPWord), and
// every octet that needs a decision (escapes, whitespace at a line end, breaks, line length) takes
// the byte-at-a-time path, so the output is the same as a byte-at-a-time codec's.

enum QuotedPrintable {
    /// Maximum encoded line length, soft-break "=" included (RFC 2045).
    static let maxLineLength = 76

    static func decode(_ input: UnsafeRawBufferPointer) -> DecodeResult {
        let n = input.count
        guard n > 0, let base = input.baseAddress else { return DecodeResult(bytes: [], clean: true) }
        let src = base.assumingMemoryBound(to: UInt8.self)
        var clean = true
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buf, count in
            let out = buf.baseAddress!
            var unclean = false
            var o = 0
            var i = 0
            // Start of the trailing whitespace run in `out` (transport padding candidates).
            var wsStart = -1
            // Bytes up to which the byte-at-a-time path runs after a word that was not plain.
            var scalarEnd = 0
            while i < n {
                if i >= scalarEnd {
                    if i + 8 <= n {
                        let w = QPWord.load(src + i)
                        if QPWord.isPlainForDecode(w) {
                            QPWord.store(w, to: out + o)
                            if w & QPWord.highBits != 0 { unclean = true }
                            // Spaces at the word's end continue (or start) the whitespace run.
                            let spaces = QPWord.trailingSpaces(w)
                            if spaces < 8 {
                                wsStart = spaces == 0 ? -1 : o + 8 - spaces
                            } else if wsStart < 0 {
                                wsStart = o
                            }
                            o += 8
                            i += 8
                            continue
                        }
                    }
                    scalarEnd = i + 8
                }
                let b = src[i]
                // Fast path: an ordinary octet (not "=", SP, HTAB, CR, LF, other controls).
                if b > 61 || (b > 32 && b < 61) {
                    out[o] = b
                    o += 1
                    i += 1
                    wsStart = -1
                    if b >= 128 { unclean = true }
                    continue
                }
                switch b {
                case 61: // '='
                    if i + 2 < n, let h = HeaderParameters.hexValue(src[i + 1]), let l = HeaderParameters.hexValue(src[i + 2]) {
                        out[o] = h << 4 | l
                        o += 1
                        if src[i + 1] > 96 || src[i + 2] > 96 { unclean = true }
                        wsStart = -1
                        i += 3
                        continue
                    }
                    // Soft line break: "=" [WSP...] (CRLF | LF | end of input).
                    var j = i + 1
                    while j < n && Bytes.isWSP(src[j]) { j += 1 }
                    if j == n { i = n; continue }
                    if src[j] == Bytes.lf { i = j + 1; continue }
                    if src[j] == Bytes.cr && j + 1 < n && src[j + 1] == Bytes.lf { i = j + 2; continue }
                    out[o] = b // invalid escape: kept literally
                    o += 1
                    unclean = true
                    wsStart = -1
                    i += 1
                case 32, 9:
                    if wsStart < 0 { wsStart = o }
                    out[o] = b
                    o += 1
                    i += 1
                case 13, 10:
                    // Hard line break: drop transport padding, keep the break as written.
                    if wsStart >= 0 { o = wsStart; wsStart = -1 }
                    out[o] = b
                    o += 1
                    i += 1
                default:
                    out[o] = b
                    o += 1
                    wsStart = -1
                    i += 1
                }
            }
            count = o
            clean = !unclean
        }
        return DecodeResult(bytes: bytes, clean: clean)
    }

    static func encode(_ input: [UInt8], lineEnding: LineEnding) -> [UInt8] {
        let n = input.count
        guard n > 0 else { return [] }
        // Worst case: every octet escaped (3 octets); a soft break (3) needs at least 25 input
        // octets on its line; a hard break is 2 octets for at least 1 input octet.
        let capacity = n * 4 + 16
        return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            input.withUnsafeBufferPointer { buf in
                // Raw pointers: the buffer-pointer subscripts through the closure's inout
                // parameters were not optimised into a tight loop (profiled: 16% of relay CPU).
                let inp = buf.baseAddress!
                var w = QPWriter(out: out.baseAddress!, crlf: lineEnding == .crlf)
                var i = 0
                var scalarEnd = 0
                while i < n {
                    if i >= scalarEnd {
                        // Eight printable literals that all fit on the current line and are not
                        // followed by a line end: copied as they are.
                        if i + 9 <= n && w.lineLength + 8 <= QuotedPrintable.maxLineLength - 2 {
                            let word = QPWord.load(inp + i)
                            if QPWord.isPlainForEncode(word, atLineStart: w.lineLength == 0, next: inp[i + 8]) {
                                QPWord.store(word, to: w.out + w.o)
                                w.o += 8
                                w.lineLength += 8
                                i += 8
                                continue
                            }
                        }
                        scalarEnd = i + 8
                    }
                    let b = inp[i]
                    // Fast path: a printable literal well inside the line (no break possible).
                    if b >= 33 && b <= 126 && b != 61 && w.lineLength < QuotedPrintable.maxLineLength - 2
                        && (b != 45 || w.lineLength > 0) {
                        w.out[w.o] = b
                        w.o += 1
                        w.lineLength += 1
                        i += 1
                        continue
                    }
                    // Hard line break: CRLF or bare LF.
                    if b == Bytes.cr && i + 1 < n && inp[i + 1] == Bytes.lf { w.hardBreak(); i += 2; continue }
                    if b == Bytes.lf { w.hardBreak(); i += 1; continue }
                    let next = i + 1 < n ? inp[i + 1] : Bytes.lf
                    let atLineEnd = next == Bytes.lf || (next == Bytes.cr && i + 2 < n && inp[i + 2] == Bytes.lf)
                    if Bytes.isWSP(b) {
                        // Whitespace before a line end would be transport padding: encode it.
                        w.emit(b, escaped: atLineEnd, atLineEnd: atLineEnd)
                    } else {
                        w.emit(b, escaped: !(b >= 33 && b <= 126 && b != 61), atLineEnd: atLineEnd)
                    }
                    i += 1
                }
                count = w.o
            }
        }
    }
}

/// Output cursor of the QP encoder: tracks the line length and inserts soft breaks.
struct QPWriter {
    let out: UnsafeMutablePointer<UInt8>
    let crlf: Bool
    var o = 0
    var lineLength = 0

    init(out: UnsafeMutablePointer<UInt8>, crlf: Bool) {
        self.out = out
        self.crlf = crlf
    }

    @inline(__always)
    mutating func hardBreak() {
        if crlf { out[o] = 13; o += 1 }
        out[o] = 10
        o += 1
        lineLength = 0
    }

    /// Appends one literal octet or its "=XX" form, breaking the line first when it would exceed
    /// 76 octets (75 plus the soft break, unless the token ends the line).
    @inline(__always)
    mutating func emit(_ b: UInt8, escaped: Bool, atLineEnd: Bool) {
        var escaped = escaped
        var width = escaped ? 3 : 1
        let limit = atLineEnd ? QuotedPrintable.maxLineLength : QuotedPrintable.maxLineLength - 1
        if lineLength + width > limit {
            out[o] = 61
            o += 1
            hardBreak()
        }
        // A "-" starting a line (also after a soft break) is escaped so that no encoded line
        // can ever look like a multipart boundary delimiter ("--boundary").
        if b == 45 && lineLength == 0 && !escaped { escaped = true; width = 3 }
        if escaped {
            let high = b >> 4, low = b & 15
            out[o] = 61
            out[o + 1] = high < 10 ? 48 + high : 55 + high
            out[o + 2] = low < 10 ? 48 + low : 55 + low
            o += 3
        } else {
            out[o] = b
            o += 1
        }
        lineLength += width
    }
}

/// Eight octets as one little-endian word, with branch-free "any octet is ..." tests (the
/// classic SWAR forms: exact for "is there any", not for "which one").
enum QPWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    static func store(_ w: UInt64, to p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: w.littleEndian, as: UInt64.self)
    }

    /// Some octet is below `n` (0 < n <= 128).
    @inline(__always)
    static func hasLess(_ w: UInt64, _ n: UInt8) -> Bool {
        (w &- ones &* UInt64(n)) & ~w & highBits != 0
    }

    /// Some octet is above `n` (n <= 127).
    @inline(__always)
    static func hasMore(_ w: UInt64, _ n: UInt8) -> Bool {
        ((w &+ ones &* UInt64(127 - n)) | w) & highBits != 0
    }

    /// Some octet equals `b`.
    @inline(__always)
    static func has(_ w: UInt64, _ b: UInt8) -> Bool {
        hasLess(w ^ (ones &* UInt64(b)), 1)
    }

    /// No "=" and no control, line break or tab: the decoder copies such a word (spaces at its
    /// end are trailing whitespace, see `trailingSpaces`).
    @inline(__always)
    static func isPlainForDecode(_ w: UInt64) -> Bool {
        !hasLess(w, 32) && !has(w, 61)
    }

    /// How many of the word's last octets are spaces (0...8).
    @inline(__always)
    static func trailingSpaces(_ w: UInt64) -> Int {
        (w ^ (ones &* 32)).leadingZeroBitCount / 8
    }

    /// Only printable ASCII and spaces, no "=", no "-" first on a line, and `next` (the octet
    /// after the word) not CR or LF, so that no octet of the word ends a line: the encoder writes
    /// such a word literally.
    @inline(__always)
    static func isPlainForEncode(_ w: UInt64, atLineStart: Bool, next: UInt8) -> Bool {
        !hasLess(w, 32) && !hasMore(w, 126) && !has(w, 61) && next != 13 && next != 10
            && !(atLineStart && w & 0xFF == 45)
    }
}

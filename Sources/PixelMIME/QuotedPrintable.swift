// QuotedPrintable: RFC 2045 6.7 codec. Decoding is lenient (lower-case hex accepted, invalid
// "=" sequences and raw 8-bit octets kept literally and reported as unclean, transport padding
// before a line end removed). Encoding always produces lines of at most 76 octets (soft breaks
// "=" included), encodes "=", control and 8-bit octets, whitespace before a line end and a "-"
// that starts a line (so no encoded line can be a boundary delimiter); a CRLF or LF in the
// content is a hard line break written with the requested line ending. Both directions write
// into a preallocated buffer in one pass. Plain stretches go several octets at a time: the decoder
// copies literal runs up to the next "=", CR or LF sixteen octets at a time (QPScan, then QPWord
// for the last few octets), the encoder copies whole short plain lines and plain eight-octet words
// (QPWord); every octet that needs a decision (escapes, whitespace at a line end, breaks, line
// length) takes the byte-at-a-time path, so the output is the same as a byte-at-a-time codec's
// (QuotedPrintableModelTests). An 8-bit octet always decodes as a literal (it cannot be part of an
// escape, soft break or line end), so the decoder's `clean` verdict checks whole 16-octet blocks
// for 8-bit octets, also octets after the block's first "=", CR or LF (they are rescanned anyway).

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
            // Every 16-octet block the literal loop loaded, OR-ed together: an 8-bit octet in any
            // of them makes the result unclean (see the contract above).
            var high = QPScan.Block(repeating: 0)
            var o = 0
            var i = 0
            // Start of the trailing whitespace run in `out` (transport padding candidates).
            var wsStart = -1
            while i < n {
                // A run of literal octets (anything but "=", CR and LF), sixteen at a time, then
                // eight. Writing a whole block is safe: the output never gets ahead of the input
                // (o <= i), and the buffer holds n octets.
                let runStart = o
                var found = false
                while i &+ 16 <= n {
                    let v = QPScan.load(src + i)
                    QPScan.store(v, to: out + o)
                    high |= v
                    let specials = QPScan.decodeSpecials(v)
                    if any(specials) {
                        let k = QPScan.firstTrue(specials)
                        o &+= k
                        i &+= k
                        found = true
                        break
                    }
                    o &+= 16
                    i &+= 16
                }
                while !found && i + 8 <= n {
                    let w = QPWord.load(src + i)
                    QPWord.store(w, to: out + o)
                    let specials = QPWord.decodeSpecials(w)
                    if specials == 0 {
                        if w & QPWord.highBits != 0 { unclean = true }
                        o += 8
                        i += 8
                        continue
                    }
                    let k = specials.trailingZeroBitCount / 8
                    if k > 0 && w & QPWord.highBits & (UInt64.max >> (64 - 8 * k)) != 0 { unclean = true }
                    o += k
                    i += k
                    found = true
                    break
                }
                if !found {
                    while i < n {
                        let b = src[i]
                        if b == 61 || b == 13 || b == 10 { break }
                        out[o] = b
                        if b >= 128 { unclean = true }
                        o += 1
                        i += 1
                    }
                }
                // Literal SP/HTAB at the run's end start (or continue) the whitespace run; any
                // other octet ends it.
                if o > runStart {
                    var t = o
                    while t > runStart && Bytes.isWSP(out[t - 1]) { t -= 1 }
                    if t == o {
                        wsStart = -1
                    } else if t > runStart || wsStart < 0 {
                        wsStart = t
                    }
                }
                guard i < n else { break }
                let b = src[i]
                if b == 61 { // '='
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
                } else {
                    // CR or LF, a hard line break: drop transport padding, keep the break as written.
                    if wsStart >= 0 { o = wsStart; wsStart = -1 }
                    out[o] = b
                    o += 1
                    i += 1
                    // The LF of a CRLF would start an empty literal run and be a hard break with
                    // nothing pending: written here at once.
                    if b == Bytes.cr && i < n && src[i] == Bytes.lf {
                        out[o] = Bytes.lf
                        o += 1
                        i += 1
                    }
                }
            }
            count = o
            clean = !unclean && !QPScan.hasHighBit(high)
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
                var hardLineStart = true
                while i < n {
                    // A whole short line of printable literals (the usual text line) is copied as
                    // it is; only a line start after a hard break looks ahead, at most 77 octets.
                    if hardLineStart {
                        hardLineStart = false
                        let len = QPWord.plainLineLength(inp + i, available: n - i)
                        if len > 0 {
                            (w.out + w.o).update(from: inp + i, count: len)
                            w.o += len
                            w.lineLength = len
                            i += len
                            continue
                        }
                    }
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
                    if b == Bytes.cr && i + 1 < n && inp[i + 1] == Bytes.lf { w.hardBreak(); i += 2; hardLineStart = true; continue }
                    if b == Bytes.lf { w.hardBreak(); i += 1; hardLineStart = true; continue }
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

    /// Bit 7 of each octet that is "=", CR or LF (the lowest set bit is exact; bits above it may
    /// be spurious): where the decoder's literal run stops.
    @inline(__always)
    static func decodeSpecials(_ w: UInt64) -> UInt64 {
        zeroMask(w ^ (ones &* 61)) | zeroMask(w ^ (ones &* 13)) | zeroMask(w ^ (ones &* 10))
    }

    @inline(__always)
    static func zeroMask(_ x: UInt64) -> UInt64 {
        (x &- ones) & ~x & highBits
    }

    /// The length of the line at `p` when the encoder can copy all of it literally, else 0: it
    /// ends with CRLF or LF (not counted) or at the end of the input, holds 1...76 octets, all
    /// printable ASCII or SP and none "=", does not start with "-" and does not end with SP.
    static func plainLineLength(_ p: UnsafePointer<UInt8>, available: Int) -> Int {
        let limit = min(available, QuotedPrintable.maxLineLength + 2)
        // One pass, a word at a time: find the LF, failing on the first octet that is not plain.
        var e = 0
        var foundLF = false
        while e + 8 <= limit {
            let w = load(p + e)
            let lf = zeroMask(w ^ (ones &* 10))
            if lf != 0 {
                e += lf.trailingZeroBitCount / 8
                foundLF = true
                break
            }
            if hasLess(w, 32) || hasMore(w, 126) || has(w, 61) { return 0 }
            e += 8
        }
        if !foundLF {
            while e < limit && p[e] != 10 { e += 1 }
            foundLF = e < limit
            if !foundLF && limit < available { return 0 }        // longer than a line may be
        }
        var len = e
        if foundLF && e > 0 && p[e - 1] == 13 { len -= 1 }       // CRLF
        guard len > 0, len <= QuotedPrintable.maxLineLength, p[0] != 45, p[len - 1] != 32 else { return 0 }
        // The octets of the last (partial) word were not checked yet.
        var k = len & ~7
        while k < len {
            let b = p[k]
            if b < 32 || b > 126 || b == 61 { return 0 }
            k += 1
        }
        return len
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

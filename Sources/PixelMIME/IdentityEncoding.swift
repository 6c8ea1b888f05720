// IdentityEncoding: prepares content for 7bit, 8bit and binary transfer encodings. The bytes
// stay as they are, except that (1) in a CRLF message a bare LF becomes CRLF (never for
// binary) and (2) any line longer than 998 octets is broken at a safe point: after the last
// space/tab, else before the last "<", that keeps the line within the limit. When no safe point
// exists, or when the content cannot be carried by the encoding at all (8-bit octets in 7bit,
// NUL in 7bit/8bit), `needsQuotedPrintable` tells the caller to switch the part to QP.

enum IdentityEncoding {
    /// RFC 5321 4.5.3.1.6: 998 octets plus CRLF.
    static let maxLineLength = 998

    static func encode(_ input: [UInt8], encoding: TransferEncoding, lineEnding: LineEnding) -> EncodeResult {
        // Fast path: one scan; when no line is too long and no bare LF needs fixing, the bytes
        // go out as they are.
        let normalise = lineEnding == .crlf && encoding != .binary
        let sevenBit = encoding == .sevenBit, binary = encoding == .binary
        var needsQP = false
        var needsRewrite = false
        input.withUnsafeBufferPointer { inp in
            var lineStart = 0
            for i in 0..<inp.count {
                let b = inp[i]
                if b == Bytes.lf {
                    let contentEnd = i > 0 && inp[i - 1] == Bytes.cr ? i - 1 : i
                    if contentEnd - lineStart > maxLineLength { needsRewrite = true }
                    if normalise && contentEnd == i { needsRewrite = true }
                    lineStart = i + 1
                } else if b == 0 {
                    if !binary { needsQP = true }
                } else if b >= 128 && sevenBit {
                    needsQP = true
                }
            }
            if inp.count - lineStart > maxLineLength { needsRewrite = true }
        }
        if !needsRewrite { return EncodeResult(bytes: input, needsQuotedPrintable: needsQP) }
        return breakLines(input, encoding: encoding, lineEnding: lineEnding)
    }

    /// The slow path: normalise bare LF and break long lines at safe points, line by line with
    /// bulk copies (a break point is searched backwards from the limit, so each octet is looked
    /// at a bounded number of times).
    static func breakLines(_ input: [UInt8], encoding: TransferEncoding, lineEnding: LineEnding) -> EncodeResult {
        let eol = lineEnding.bytes
        let normalise = lineEnding == .crlf && encoding != .binary
        var needsQP = false
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 256 + 16)
        input.withUnsafeBufferPointer { inp in
            let n = inp.count
            var lineStart = 0
            while lineStart < n {
                // The line's content [lineStart, contentEnd) and its terminator.
                var lf = lineStart
                while lf < n && inp[lf] != Bytes.lf { lf += 1 }
                let hasLF = lf < n
                let hasCR = hasLF && lf > lineStart && inp[lf - 1] == Bytes.cr
                let contentEnd = hasCR ? lf - 1 : lf
                var pos = lineStart
                while contentEnd - pos > maxLineLength {
                    guard let cut = breakPoint(inp, from: pos, limit: pos + maxLineLength) else {
                        needsQP = true
                        break
                    }
                    out.append(contentsOf: inp[pos..<cut])
                    out.append(contentsOf: eol)
                    pos = cut
                }
                out.append(contentsOf: inp[pos..<contentEnd])
                if hasLF {
                    if hasCR { out.append(Bytes.cr) } else if normalise { out.append(Bytes.cr) }
                    out.append(Bytes.lf)
                }
                lineStart = hasLF ? lf + 1 : n
            }
            let sevenBit = encoding == .sevenBit, binary = encoding == .binary
            for b in inp where (b == 0 && !binary) || (b >= 128 && sevenBit) {
                needsQP = true
                break
            }
        }
        return EncodeResult(bytes: out, needsQuotedPrintable: needsQP)
    }

    /// Where to end a line that starts at `from` so it holds at most `limit - from` octets:
    /// after the last space or tab (the new line end joins existing whitespace, so collapsed
    /// HTML text and attribute separation are unchanged), else before the last "<" (not at
    /// `from`); nil when neither exists.
    static func breakPoint(_ inp: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> Int? {
        var k = limit - 1
        while k > from {
            if Bytes.isWSP(inp[k]) { return k + 1 }
            k -= 1
        }
        k = limit
        while k > from {
            if inp[k] == 60 { return k }
            k -= 1
        }
        return nil
    }
}

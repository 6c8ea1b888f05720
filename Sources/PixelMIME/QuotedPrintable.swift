// QuotedPrintable: RFC 2045 6.7 codec. Decoding is lenient (lower-case hex accepted, invalid
// "=" sequences and raw 8-bit octets kept literally and reported as unclean, transport padding
// before a line end removed). Encoding always produces lines of at most 76 octets (soft breaks
// "=" included), encodes "=", control and 8-bit octets, whitespace before a line end and a "-"
// that starts a line (so no encoded line can be a boundary delimiter); a CRLF or LF in the
// content is a hard line break written with the requested line ending.

enum QuotedPrintable {
    /// Maximum encoded line length, soft-break "=" included (RFC 2045).
    static let maxLineLength = 76

    static func decode(_ input: UnsafeRawBufferPointer) -> DecodeResult {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var clean = true
        let n = input.count
        var i = 0
        // Start of the trailing whitespace run in `out` (transport padding candidates).
        var wsStart = -1
        while i < n {
            let b = input[i]
            switch b {
            case 61: // '='
                if i + 2 < n,
                   let h = HeaderParameters.hexValue(input[i + 1]), let l = HeaderParameters.hexValue(input[i + 2]) {
                    out.append(h << 4 | l)
                    if input[i + 1] > 96 || input[i + 2] > 96 { clean = false }
                    wsStart = -1
                    i += 3
                    continue
                }
                // Soft line break: "=" [WSP...] (CRLF | LF | end of input).
                var j = i + 1
                while j < n && (Bytes.isWSP(input[j])) { j += 1 }
                if j == n { i = n; continue }
                if input[j] == Bytes.lf { i = j + 1; continue }
                if input[j] == Bytes.cr && j + 1 < n && input[j + 1] == Bytes.lf { i = j + 2; continue }
                out.append(b) // invalid escape: kept literally
                clean = false
                wsStart = -1
                i += 1
            case 32, 9:
                if wsStart < 0 { wsStart = out.count }
                out.append(b)
                i += 1
            case 13, 10:
                // Hard line break: drop transport padding, keep the break as written.
                if wsStart >= 0 { out.removeSubrange(wsStart...); wsStart = -1 }
                out.append(b)
                i += 1
            default:
                if b >= 128 { clean = false }
                out.append(b)
                wsStart = -1
                i += 1
            }
        }
        return DecodeResult(bytes: out, clean: clean)
    }

    static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func encode(_ input: [UInt8], lineEnding: LineEnding) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 8 + 16)
        let eol = lineEnding.bytes
        var lineLength = 0
        let n = input.count
        var i = 0

        /// Appends one literal octet (escaped == false) or its "=XX" form, breaking the line first
        /// when it would exceed 76 octets (75 plus the soft break, unless the token ends the line).
        func emit(_ b: UInt8, escaped: Bool, atLineEnd: Bool) {
            var escaped = escaped
            var width = escaped ? 3 : 1
            let limit = atLineEnd ? maxLineLength : maxLineLength - 1
            if lineLength + width > limit {
                out.append(61)
                out.append(contentsOf: eol)
                lineLength = 0
            }
            // A "-" starting a line (also after a soft break) is escaped so that no encoded line
            // can ever look like a multipart boundary delimiter ("--boundary").
            if b == 45 && lineLength == 0 && !escaped { escaped = true; width = 3 }
            if escaped {
                out.append(61); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            } else {
                out.append(b)
            }
            lineLength += width
        }

        while i < n {
            let b = input[i]
            // Hard line break: CRLF or bare LF.
            if b == Bytes.cr && i + 1 < n && input[i + 1] == Bytes.lf {
                out.append(contentsOf: eol); lineLength = 0; i += 2; continue
            }
            if b == Bytes.lf { out.append(contentsOf: eol); lineLength = 0; i += 1; continue }
            let nextIsLineEnd = i + 1 == n || input[i + 1] == Bytes.lf
                || (input[i + 1] == Bytes.cr && i + 2 < n && input[i + 2] == Bytes.lf)
            if Bytes.isWSP(b) {
                // Whitespace before a line end would be transport padding: encode it.
                emit(b, escaped: nextIsLineEnd, atLineEnd: nextIsLineEnd)
            } else {
                let literal = b >= 33 && b <= 126 && b != 61
                emit(b, escaped: !literal, atLineEnd: nextIsLineEnd)
            }
            i += 1
        }
        return out
    }

}

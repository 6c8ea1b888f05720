// IdentityEncoding: prepares content for 7bit, 8bit and binary transfer encodings. The bytes
// stay as they are, except that (1) in a CRLF message a bare LF becomes CRLF (never for
// binary) and (2) any line longer than 998 octets is broken at a safe point: before the last
// "<" or after the last space/tab that keeps the line within the limit. When no safe point
// exists, or when the content cannot be carried by the encoding at all (8-bit octets in 7bit,
// NUL in 7bit/8bit), `needsQuotedPrintable` tells the caller to switch the part to QP.

enum IdentityEncoding {
    /// RFC 5321 4.5.3.1.6: 998 octets plus CRLF.
    static let maxLineLength = 998

    static func encode(_ input: [UInt8], encoding: TransferEncoding, lineEnding: LineEnding) -> EncodeResult {
        let eol = lineEnding.bytes
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 512 + 8)
        var needsQP = false
        var lineStart = 0          // index in `out` of the current line
        var lastLT = -1            // index in `out` of the last '<' on the current line
        var lastWS = -1            // index in `out` just after the last space/tab on the line
        let normaliseLF = lineEnding == .crlf && encoding != .binary
        for (idx, b) in input.enumerated() {
            if b == Bytes.lf {
                if normaliseLF && (idx == 0 || input[idx - 1] != Bytes.cr) { out.append(Bytes.cr) }
                out.append(b)
                lineStart = out.count; lastLT = -1; lastWS = -1
                continue
            }
            if b == 0 && encoding != .binary { needsQP = true }
            if b >= 128 && encoding == .sevenBit { needsQP = true }
            if b == 60 { lastLT = out.count }
            out.append(b)
            if Bytes.isWSP(b) { lastWS = out.count }
            // Line content excludes a CR that is the first half of the terminator.
            if b == Bytes.cr && idx + 1 < input.count && input[idx + 1] == Bytes.lf { continue }
            if out.count - lineStart > maxLineLength {
                let breakAt: Int
                if lastLT > lineStart { breakAt = lastLT } else if lastWS > lineStart && lastWS < out.count { breakAt = lastWS } else {
                    needsQP = true
                    // Keep scanning without breaking; the caller switches to quoted-printable.
                    lineStart = out.count; lastLT = -1; lastWS = -1
                    continue
                }
                out.insert(contentsOf: eol, at: breakAt)
                lineStart = breakAt + eol.count
                lastLT = -1
                lastWS = -1
                // Re-find break candidates in the carried-over tail (short: < 998 octets).
                var k = lineStart
                while k < out.count {
                    if out[k] == 60 && k > lineStart { lastLT = k }
                    if Bytes.isWSP(out[k]) { lastWS = k + 1 }
                    k += 1
                }
            }
        }
        return EncodeResult(bytes: out, needsQuotedPrintable: needsQP)
    }
}

// DotEncoder: the output side of DATA (RFC 5321 4.5.2): dot-stuffing and CRLF line ends.
// Guarantees:
// - Every line that begins with "." gets an extra "." in front.
// - Every line end in the output is CRLF: CRLF stays, a bare LF or a bare CR becomes CRLF
//   (a CR at the end of one chunk followed by LF at the start of the next is one CRLF).
// - `finish` ends the last line with CRLF if needed and appends ".\r\n"; the encoder is then ready
//   for the next message. So DotDecoder(DotEncoder(x)) == x with bare CR/LF turned into CRLF and a
//   final CRLF added when missing, for any chunk split.

public struct DotEncoder: Sendable {
    private var atLineStart = true
    /// The previous chunk ended with CR, already written as CRLF: a leading LF must be skipped.
    private var pendingCR = false

    public init() {}

    public mutating func encode(_ chunk: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = chunk.count
        guard n > 0, let base = chunk.baseAddress else { return }
        out.reserveCapacity(out.count + n + n / 64 + 8)
        var i = 0
        if pendingCR {
            pendingCR = false
            if base.load(as: UInt8.self) == 0x0A { i = 1 }
        }
        while i < n {
            if atLineStart {
                atLineStart = false
                if base.load(fromByteOffset: i, as: UInt8.self) == 0x2E { out.append(0x2E) }
            }
            let j = DotDecoder.scanToLineBreak(base, from: i, to: n)
            if j > i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[i..<j])) }
            i = j
            if i == n { break }
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            out.append(0x0D)
            out.append(0x0A)
            atLineStart = true
            i += 1
            if c == 0x0D {
                if i == n {
                    pendingCR = true
                } else if base.load(fromByteOffset: i, as: UInt8.self) == 0x0A {
                    i += 1
                }
            }
        }
    }

    /// Convenience for arrays.
    public mutating func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBytes { encode($0, into: &out) }
    }

    /// Terminates the message: CRLF if the last line is open, then ".\r\n". Resets the encoder.
    public mutating func finish(into out: inout [UInt8]) {
        if !atLineStart { out.append(contentsOf: [0x0D, 0x0A]) }
        out.append(contentsOf: [0x2E, 0x0D, 0x0A])
        atLineStart = true
        pendingCR = false
    }
}

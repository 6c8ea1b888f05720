// DotEncoder: the output side of DATA (RFC 5321 4.5.2): dot-stuffing and CRLF line ends.
// Guarantees:
// - Every line that begins with "." gets an extra "." in front.
// - Every line end in the output is CRLF: CRLF stays, a bare LF or a bare CR becomes CRLF
//   (a CR at the end of one chunk followed by LF at the start of the next is one CRLF).
// - `finish` ends the last line with CRLF if needed and appends ".\r\n"; the encoder is then ready
//   for the next message. So DotDecoder(DotEncoder(x)) == x with bare CR/LF turned into CRLF and a
//   final CRLF added when missing, for any chunk split.
// - Cost: the chunk is scanned 16 bytes at a time (DotDecoder.scanToLineBreak) and copied in runs
//   of whole lines; only a line-start "." or a bare CR/LF ends a run (one append per run).

public struct DotEncoder: Sendable {
    private var atLineStart = true
    /// The previous chunk ended with CR, already written as CRLF: a leading LF must be skipped.
    private var pendingCR = false

    public init() {}

    public mutating func encode(_ chunk: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = chunk.count
        guard n > 0, let base = chunk.baseAddress else { return }
        // Stuffing and bare line ends add at most one octet each; grow geometrically, so that many
        // small chunks do not reallocate every time.
        let needed = out.count + n + n / 64 + 8
        if out.capacity < needed { out.reserveCapacity(max(needed, out.capacity * 2)) }
        var i = 0
        if pendingCR {
            pendingCR = false
            if base.load(as: UInt8.self) == DotDecoder.lf { i = 1 }
        }
        // Input is copied in runs: a run ends only before a line-start ".", at a bare CR/LF, or at
        // the chunk end; well-formed CRLF lines stay inside it.
        var runStart = i
        while i < n {
            if atLineStart {
                atLineStart = false
                if base.load(fromByteOffset: i, as: UInt8.self) == DotDecoder.dotByte {
                    copy(chunk, runStart, i, &out)
                    out.append(DotDecoder.dotByte)
                    runStart = i            // the dot itself starts the next run
                }
            }
            let j = DotDecoder.scanToLineBreak(base, from: i, to: n)
            if j == n { break }
            if j &+ 1 < n,
               UInt16(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt16.self)) == DotDecoder.crlfWord {
                i = j &+ 2
                atLineStart = true
                continue
            }
            // Bare CR or LF (or a CR ending the chunk): written as CRLF.
            copy(chunk, runStart, j, &out)
            out.append(DotDecoder.cr)
            out.append(DotDecoder.lf)
            atLineStart = true
            i = j &+ 1
            runStart = i
            if i == n && base.load(fromByteOffset: j, as: UInt8.self) == DotDecoder.cr { pendingCR = true }
        }
        copy(chunk, runStart, n, &out)
    }

    @inline(__always)
    private func copy(_ chunk: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
        if to > from { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[from..<to])) }
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

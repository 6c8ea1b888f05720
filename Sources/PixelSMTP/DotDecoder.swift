// DotDecoder: the DATA reader (RFC 5321 4.5.2), after chasquid's dotreader.go, hardened against
// SMTP smuggling.
// Guarantees:
// - The message ends ONLY at CRLF "." CRLF in the input (or at "." CRLF as the very first line).
//   A bare LF or bare CR is never a line end: "\n.\n", "\n.\r\n", "\r.\r", "\r.\n", "\r\n.\r\r\n" and
//   "\r\n\0.\r\n" are all message content. `.end(consumed:)` says how many bytes of the last chunk
//   belonged to DATA; the rest is the next (pipelined) command.
// - Output to the sink is the unstuffed message with CRLF line ends: a "." at the start of a line
//   (after a real CRLF) is removed. With `.normalize` a bare CR or LF is written as CRLF (the line
//   after it is not unstuffed: only real CRLF starts a line); with `.reject` the first bare CR/LF
//   records `failure` = 550 5.5.2.
// - Limits: more than `maxSize` output octets records 552 5.3.4; a line whose unstuffed content is
//   longer than `maxLineLength` octets (CRLF excluded; RFC 5321 says 1000 with CRLF, so 998) records
//   500 5.5.2. After the first failure nothing more is written to the sink, but the input is still
//   consumed up to the real terminator so the session stays in step. The first failure wins. What
//   was written before it is the decoded message up to the failing octet (the first `maxSize`
//   octets, or the line cut at `maxLineLength`), whatever the chunking; the caller discards it.
// - Any chunk split gives the same output and result. Ordinary bytes are scanned 16 at a time and
//   handed to the sink as runs of the input; no per-byte calls. A CRLF followed by anything but "."
//   keeps the run going without a state change, so a stretch of ordinary lines is one sink call.

/// What to do with a bare CR or LF inside DATA.
public enum BareNewlinePolicy: String, Sendable, Equatable, CaseIterable {
    case reject
    case normalize
}

/// Result of feeding one chunk.
public enum DotResult: Sendable, Equatable {
    /// The terminator has not been seen yet; every byte of the chunk was consumed.
    case needMore
    /// The terminator ended in this chunk after `consumed` bytes; the rest is not DATA.
    case end(consumed: Int)
}

public struct DotDecoder: Sendable {
    /// RFC 5321 4.5.3.1.6: 1000 octets per line including CRLF.
    public static let defaultMaxLineLength = 998
    /// Default message size limit (the relay passes its configured one).
    public static let defaultMaxSize = 50 * 1024 * 1024

    public let maxSize: Int
    public let maxLineLength: Int
    public let bareNewline: BareNewlinePolicy

    /// The reply to send instead of relaying, once `isFinished`; nil when the message is fine.
    public private(set) var failure: SMTPReply?
    /// Octets written to the sink so far.
    public private(set) var size = 0
    /// Octets of DATA consumed so far, terminator included.
    public private(set) var consumedTotal = 0
    /// True once the terminator has been read.
    public private(set) var isFinished = false
    /// Number of bare CR / LF seen (normalised or not).
    public private(set) var bareNewlines = 0

    private enum State: Sendable {
        /// At the start of a line that follows a real CRLF (or the start of DATA).
        case lineStart
        /// Saw "." at a line start; the dot is dropped whatever follows.
        case dot
        /// Saw "." CR at a line start; LF ends DATA, anything else makes the CR bare.
        case dotCR
        /// Inside a line.
        case inLine
        /// Saw CR inside a line (already passed to the output run).
        case cr
    }

    private var state = State.lineStart
    private var lineLength = 0

    public init(maxSize: Int = DotDecoder.defaultMaxSize, maxLineLength: Int = DotDecoder.defaultMaxLineLength,
                bareNewline: BareNewlinePolicy = .reject) {
        self.maxSize = max(0, maxSize)
        self.maxLineLength = max(1, maxLineLength)
        self.bareNewline = bareNewline
    }

    /// Feeds bytes from the wire; the sink gets the decoded message in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) -> Void) -> DotResult {
        guard !isFinished else { return .end(consumed: 0) }
        let n = chunk.count
        guard n > 0, let base = chunk.baseAddress else { return .needMore }
        var i = 0
        var runStart = 0
        while i < n {
            switch state {
            case .lineStart:
                if base.load(fromByteOffset: i, as: UInt8.self) == Self.dotByte {
                    emit(chunk, runStart, i, sink)
                    i += 1
                    runStart = i
                    state = .dot
                } else {
                    state = .inLine
                }
            case .dot:
                if base.load(fromByteOffset: i, as: UInt8.self) == Self.cr {
                    i += 1
                    runStart = i
                    state = .dotCR
                } else {
                    state = .inLine
                }
            case .dotCR:
                if base.load(fromByteOffset: i, as: UInt8.self) == Self.lf {
                    i += 1
                    consumedTotal += i
                    isFinished = true
                    return .end(consumed: i)
                }
                // ".\r" then not LF: the dot was stuffing, the CR is bare.
                emitConstant(Self.cr, sink)
                bare(sink, insert: Self.lf)
                state = .inLine
            case .inLine:
                // Fast path: a line end that is CRLF followed by a byte other than "." (a line
                // start that needs no decision) stays in this loop and in the current output run.
                while true {
                    let j = Self.scanToLineBreak(base, from: i, to: n)
                    if failure == nil && lineLength + (j - i) > maxLineLength {
                        // Write exactly the allowed part of the line, so the output does not depend on
                        // where the chunks were cut.
                        emit(chunk, runStart, i + (maxLineLength - lineLength), sink)
                        runStart = j
                        fail(.lineTooLong)
                    }
                    lineLength += j - i
                    i = j
                    guard j &+ 2 < n,
                          UInt16(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt16.self)) == Self.crlfWord,
                          base.load(fromByteOffset: j &+ 2, as: UInt8.self) != Self.dotByte else { break }
                    i = j &+ 2
                    lineLength = 0
                }
                if i == n { break }
                if base.load(fromByteOffset: i, as: UInt8.self) == Self.cr {
                    i += 1
                    state = .cr
                } else {
                    // Bare LF: in .normalize it becomes CRLF.
                    emit(chunk, runStart, i, sink)
                    runStart = i
                    bare(sink, insert: Self.cr)
                    i += 1
                }
            case .cr:
                if base.load(fromByteOffset: i, as: UInt8.self) == Self.lf {
                    i += 1
                    lineLength = 0
                    state = .lineStart
                } else {
                    // Bare CR (already in the run): in .normalize add the LF.
                    emit(chunk, runStart, i, sink)
                    runStart = i
                    bare(sink, insert: Self.lf)
                    state = .inLine
                }
            }
        }
        emit(chunk, runStart, n, sink)
        consumedTotal += n
        return .needMore
    }

    /// Convenience for tests and small inputs.
    public mutating func feed(_ bytes: [UInt8], into sink: (UnsafeRawBufferPointer) -> Void) -> DotResult {
        bytes.withUnsafeBytes { feed($0, into: sink) }
    }

    // MARK: - Internals

    static let dotByte: UInt8 = 0x2E
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    /// CR LF read as a little-endian 16-bit word.
    static let crlfWord: UInt16 = 0x0A0D

    /// Records a bare CR/LF; with .normalize writes the missing half of the CRLF.
    private mutating func bare(_ sink: (UnsafeRawBufferPointer) -> Void, insert byte: UInt8) {
        bareNewlines += 1
        lineLength = 0
        switch bareNewline {
        case .reject: fail(.bareNewline)
        case .normalize: emitConstant(byte, sink)
        }
    }

    private mutating func fail(_ reply: SMTPReply) {
        if failure == nil { failure = reply }
    }

    private mutating func emit(_ chunk: UnsafeRawBufferPointer, _ from: Int, _ to: Int,
                               _ sink: (UnsafeRawBufferPointer) -> Void) {
        guard to > from, failure == nil else { return }
        let count = to - from
        guard count <= maxSize - size else {
            // Write what still fits, so the output is the same prefix whatever the chunking.
            let fit = maxSize - size
            if fit > 0 {
                size += fit
                sink(UnsafeRawBufferPointer(rebasing: chunk[from..<(from + fit)]))
            }
            fail(.messageTooBig)
            return
        }
        size += count
        sink(UnsafeRawBufferPointer(rebasing: chunk[from..<to]))
    }

    private mutating func emitConstant(_ byte: UInt8, _ sink: (UnsafeRawBufferPointer) -> Void) {
        guard failure == nil else { return }
        guard size < maxSize else {
            fail(.messageTooBig)
            return
        }
        size += 1
        withUnsafeBytes(of: byte) { sink($0) }
    }

    /// Index of the first CR or LF in base[from..<to], or `to`. Sixteen bytes per step (SIMD16
    /// compares: SSE2 / NEON), the hit located in its eight-byte word with `trailingZeroBitCount`.
    @inline(__always)
    static func scanToLineBreak(_ base: UnsafeRawPointer, from: Int, to: Int) -> Int {
        var i = from
        let crs = SIMD16<UInt8>(repeating: cr)
        let lfs = SIMD16<UInt8>(repeating: lf)
        while i &+ 16 <= to {
            let v = base.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            if any((v .== crs) .| (v .== lfs)) { break }
            i &+= 16
        }
        while i &+ 8 <= to {
            let hit = lineBreaks(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if hit != 0 { return i &+ hit.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < to {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == cr || c == lf { return i }
            i &+= 1
        }
        return to
    }

    /// The high bit of each byte of `w` that is CR or LF, plus possibly bits above the lowest such
    /// byte (borrows); the lowest set bit is always exact.
    @inline(__always)
    static func lineBreaks(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let a = w ^ 0x0D0D_0D0D_0D0D_0D0D
        let b = w ^ 0x0A0A_0A0A_0A0A_0A0A
        return ((a &- ones) & ~a & highs) | ((b &- ones) & ~b & highs)
    }
}

// LineFramer: incremental splitter of SMTP command lines (server side) and reply lines (client side).
// Guarantees:
// - A line ends at CRLF. A bare LF also ends a line when `bareLFEndsLine` is set (the default, as
//   Postfix's smtpd is lenient for commands); the CR before the LF is stripped, any other CR stays in
//   the line for the grammar to refuse. The DATA body is never framed here (see DotDecoder).
// - `maxLength` bounds the line content (CRLF excluded). A longer line yields `.tooLong` exactly once,
//   and its remaining bytes are discarded up to and including the next line end; memory stays bounded
//   by `maxLength` plus the largest appended chunk.
// - `takeRemainder()` hands the unframed bytes to the caller (the DATA decoder after DATA; after
//   STARTTLS the caller must refuse buffered bytes: CVE-2011-0411 command injection).

/// One framed line, or the report that a line exceeded the limit.
public enum LineResult: Sendable, Equatable {
    /// Line content without the line end.
    case line([UInt8])
    /// The line was longer than `maxLength`; it is dropped.
    case tooLong
}

public struct LineFramer: Sendable {
    /// RFC 5321 4.5.3.1.4 gives 512 octets for a command line; pixelgate takes 512 octets of content.
    public static let defaultCommandLineLimit = 512
    /// Reply lines from upstream servers (RFC 5321 gives 512; real servers send longer).
    public static let defaultReplyLineLimit = 4096
    /// Consumed bytes at the front of the buffer are dropped once there are more than this many
    /// (and they are more than half of it), so the buffer does not grow with a long pipeline.
    static let compactionThreshold = 4096

    /// Maximum content length of a line, line end excluded.
    public let maxLength: Int
    /// Whether a LF without CR ends a line.
    public let bareLFEndsLine: Bool

    private var buffer: [UInt8] = []
    /// Start of unconsumed bytes in `buffer`.
    private var start = 0
    /// Bytes before this index (from `start`) are known to contain no LF.
    private var scanned = 0
    /// Discarding the tail of an overlong line until the next LF.
    private var discarding = false

    public init(maxLength: Int = LineFramer.defaultCommandLineLimit, bareLFEndsLine: Bool = true) {
        self.maxLength = max(1, maxLength)
        self.bareLFEndsLine = bareLFEndsLine
    }

    /// Bytes received but not yet returned as lines.
    public var buffered: Int { buffer.count - start }

    /// Adds received bytes (concrete overloads for the hot callers in other modules, which would
    /// otherwise run the unspecialised generic).
    public mutating func append(_ bytes: ArraySlice<UInt8>) { appendBytes(bytes) }
    public mutating func append(_ bytes: [UInt8]) { appendBytes(bytes) }
    public mutating func append(_ bytes: some Collection<UInt8>) { appendBytes(bytes) }

    private mutating func appendBytes(_ bytes: some Collection<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line, `.tooLong` for an overlong one, or nil when more bytes are needed.
    public mutating func nextLine() -> LineResult? {
        while true {
            guard let lf = findLineEnd() else {
                // No line end yet.
                let pending = buffer.count - start
                if discarding {
                    dropAll()
                    return nil
                }
                // Allow room for the CR of a CRLF that is not complete yet.
                if pending > maxLength + 1 {
                    dropAll()
                    discarding = true
                    return .tooLong
                }
                compactIfNeeded()
                return nil
            }
            var end = lf
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            let lineStart = start
            start = lf + 1
            scanned = start
            if discarding {
                discarding = false
                continue
            }
            if end - lineStart > maxLength { return .tooLong }
            return .line(Array(buffer[lineStart..<end]))
        }
    }

    /// Returns and forgets every byte not yet framed (e.g. the first DATA bytes pipelined after DATA).
    public mutating func takeRemainder() -> [UInt8] {
        let rest = Array(buffer[start...])
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scanned = 0
        discarding = false
        return rest
    }

    /// Index of the next line-ending LF at or after `start`, or nil.
    private mutating func findLineEnd() -> Int? {
        var i = max(scanned, start)
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if bareLFEndsLine || (i > start && buffer[i - 1] == 0x0D) || discarding { return i }
            }
            i += 1
        }
        scanned = i
        return nil
    }

    private mutating func dropAll() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scanned = 0
    }

    private mutating func compactIfNeeded() {
        if start > Self.compactionThreshold && start > buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
    }
}

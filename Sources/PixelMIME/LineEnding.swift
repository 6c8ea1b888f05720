// LineEnding: the line terminator a message uses (CRLF on the wire, bare LF in files), and the
// byte-level helpers to find line ends. Bytes are never interpreted as text here.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The line terminator written into re-encoded content and inserted header lines.
public enum LineEnding: Sendable, Equatable {
    case crlf
    case lf

    public var bytes: [UInt8] { self == .crlf ? [13, 10] : [10] }

    /// The terminator of the first line of `buffer` (CRLF when there is none).
    public static func detect(in buffer: UnsafeRawBufferPointer) -> LineEnding {
        guard let base = buffer.baseAddress, buffer.count > 0,
              let nl = memchr(base, 10, buffer.count) else { return .crlf }
        let index = base.distance(to: UnsafeRawPointer(nl))
        return index > 0 && buffer[index - 1] == 13 ? .crlf : .lf
    }
}

/// Byte scanning primitives shared by the parser and the codecs.
enum Bytes {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9

    /// Index of the next LF at or after `from`, or nil. Linear, memchr-based.
    @inline(__always)
    static func nextLF(_ buffer: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < buffer.count, let base = buffer.baseAddress,
              let hit = memchr(base + from, 10, buffer.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// Length of the line terminator that ends just before `offset` (2 for CRLF, 1 for LF, 0).
    @inline(__always)
    static func terminatorLength(before offset: Int, in buffer: UnsafeRawBufferPointer) -> Int {
        guard offset >= 1, buffer[offset - 1] == lf else { return 0 }
        return offset >= 2 && buffer[offset - 2] == cr ? 2 : 1
    }

    /// True when `range` of `buffer` ends with LF.
    static func endsWithLineTerminator(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        !range.isEmpty && buffer[range.upperBound - 1] == lf
    }

    @inline(__always)
    static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }
}

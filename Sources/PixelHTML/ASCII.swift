// ASCII: byte-class helpers shared by the tokenizer, the CSS scanner and the URL checks.
// Contract: pure, branch-light functions on single bytes; no Unicode semantics (bytes >= 0x80 are "other").

@usableFromInline enum ASCII {
    @inlinable static func isHTMLSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D
    }
    @inlinable static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inlinable static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inlinable static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    @inlinable static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    @inlinable static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    @inlinable static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
    @inlinable static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
    @inlinable static func hexValue(_ b: UInt8) -> UInt32? {
        if isDigit(b) { return UInt32(b - 0x30) }
        let l = b | 0x20
        if l >= 0x61 && l <= 0x66 { return UInt32(l - 0x61 + 10) }
        return nil
    }

    /// Case-insensitive comparison of `p[at..<at+lit.count]` with the lower-case ASCII literal `lit`.
    @inlinable static func matchesLower(_ p: UnsafeRawBufferPointer, _ at: Int, _ lit: StaticString) -> Bool {
        let n = lit.utf8CodeUnitCount
        guard at >= 0, at + n <= p.count else { return false }
        let l = lit.utf8Start
        for i in 0..<n where lower(p[at + i]) != l[i] { return false }
        return true
    }

    /// Case-insensitive equality of a byte range with a lower-case literal.
    @inlinable static func equalsLower(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ lit: StaticString) -> Bool {
        r.count == lit.utf8CodeUnitCount && matchesLower(p, r.lowerBound, lit)
    }

    /// Lower-cased string of a byte range.
    static func lowerString(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: r.count) { buf in
            for i in 0..<r.count { buf[i] = lower(p[r.lowerBound + i]) }
            return r.count
        }
    }

    /// String of a byte range (invalid UTF-8 repaired).
    static func string(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: p[r]), as: UTF8.self)
    }

    /// Trims HTML whitespace from both ends of a range.
    static func trim(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi && isHTMLSpace(p[lo]) { lo += 1 }
        while hi > lo && isHTMLSpace(p[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// `needle` occurs in `hay` (memchr for its first byte, then memcmp; an empty needle always does).
    static func bytesContain(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        guard needle.count <= hay.count else { return false }
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let base = h.baseAddress!, first = Int32(n[0])
                let last = h.count - n.count
                var i = 0
                while i <= last {
                    guard let hit = memchr(base + i, first, last - i + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, n.baseAddress!, n.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
    }

    /// Index of the first `byte` in `p[from..<to]`, using memchr.
    @inlinable static func find(_ byte: UInt8, _ p: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = p.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

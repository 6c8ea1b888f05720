// ByteScan: the memchr search the footer fill (here) and the renderer's line-end conversion
// (PixelEngine) share. Contract: returns the index of the first `byte` at or after `from`, or nil;
// `from` past the end is nil, never a trap.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ByteScan {
    public static func firstIndex(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from >= 0, from < buf.count, let base = buf.baseAddress,
              let hit = memchr(base + from, Int32(byte), buf.count - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}

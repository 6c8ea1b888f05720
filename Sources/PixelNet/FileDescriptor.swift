// FileDescriptor: the single owner of one POSIX file descriptor.
// Contract: a `~Copyable` value, so the descriptor cannot be duplicated by accident; it is closed
// exactly once, either by `consuming close()` or by `deinit`. Never closes a negative descriptor.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct FileDescriptor: ~Copyable {
    public let raw: Int32

    /// Takes ownership of `raw`.
    public init(owning raw: Int32) { self.raw = raw }

    /// Closes now (instead of at deinit).
    public consuming func close() {
        let fd = raw
        discard self
        if fd >= 0 { _ = systemClose(fd) }
    }

    deinit {
        if raw >= 0 { _ = systemClose(raw) }
    }

    /// Sets O_NONBLOCK; every socket in PixelNet is non-blocking and waits with poll().
    public func setNonBlocking() throws(NetError) {
        let flags = fcntl(raw, F_GETFL)
        guard flags >= 0, fcntl(raw, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw NetError.system("fcntl", errno)
        }
    }
}

@inline(__always)
func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

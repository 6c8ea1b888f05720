// Deadline: a point on the monotonic clock; every blocking read, write, connect and handshake in
// PixelNet takes one and waits with poll() no longer than it allows.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct Deadline: Sendable, Comparable {
    /// Nanoseconds on CLOCK_MONOTONIC.
    public let nanos: UInt64

    public static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanos: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    /// Now plus `seconds` (negative or NaN counts as zero).
    public static func after(seconds: Double) -> Deadline {
        let s = seconds.isFinite && seconds > 0 ? min(seconds, 1e9) : 0
        return Deadline(nanos: now().nanos &+ UInt64(s * 1e9))
    }

    /// Milliseconds left, at least 0, for poll().
    public var remainingMillis: Int32 {
        let n = Deadline.now().nanos
        guard nanos > n else { return 0 }
        return Int32(clamping: (nanos - n + 999_999) / 1_000_000)
    }

    public var hasPassed: Bool { Deadline.now().nanos >= nanos }

    /// Seconds elapsed since this instant.
    public var elapsedMillis: Int {
        let n = Deadline.now().nanos
        return n > nanos ? Int((n - nanos) / 1_000_000) : 0
    }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanos < b.nanos }
}

/// Waits until `fd` is ready for `events` or the deadline passes.
func pollWait(_ fd: Int32, events: Int16, deadline: Deadline) throws(NetError) {
    while true {
        let ms = deadline.remainingMillis
        if ms == 0 && deadline.hasPassed { throw .timeout }
        var p = pollfd(fd: fd, events: events, revents: 0)
        let r = poll(&p, 1, ms)
        if r > 0 { return }  // readiness or error: the next call reports which
        if r == 0 { throw .timeout }
        if errno != EINTR { throw .system("poll", errno) }
    }
}

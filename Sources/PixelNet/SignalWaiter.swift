// SignalWaiter: synchronous delivery of process signals (SIGTERM, SIGINT, SIGHUP) to the one thread
// that asks for them, as TLPI §33.2.4 recommends for multithreaded servers.
// Contract: `init(blocking:)` blocks the signals in the calling thread and must run before any
// other thread exists: every thread created afterwards inherits the mask, so none of these signals
// is ever delivered asynchronously to a session thread. `next()` waits in sigwait(3) and returns the
// next pending one (a signal that arrives while the caller is busy stays pending; several of one
// kind collapse into one). No libdispatch is involved, so a busy dispatch pool can never delay a
// shutdown or a reload.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct SignalWaiter: Sendable {
    private let signals: [Int32]

    public init(blocking signals: [Int32]) {
        self.signals = signals
        var set = Self.set(of: signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for the next of the blocked signals and returns its number.
    public func next() -> Int32 {
        var set = Self.set(of: signals)
        var sig: Int32 = 0
        while sigwait(&set, &sig) != 0 {}
        return sig
    }

    private static func set(of signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        return set
    }
}

// MemoryBudget: bounds the memory that large messages take while they are planned and relayed.
// A message spooled to disk (over `spool_memory_limit`) is mapped into memory for the planner and
// for the upstream transfer; 100 clients sending 10 MB at once would otherwise map 1 GB together.
// Contract: `reserve(bytes, deadline)` grants at most `capacity` bytes in total at any time (a
// message larger than the whole budget is granted the whole budget, alone), waits first-come
// first-served until the deadline, and returns false at the deadline; every granted reservation
// must be given back with `release` (the same amount `reserve` returned as granted).
import PixelNet
#if canImport(Glibc)
import Glibc
#endif

public final class MemoryBudget: @unchecked Sendable {
    public let capacity: Int
    private var used = 0
    private var nextTicket = 0
    private var serving = 0
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Bytes granted right now (tests, metrics).
    public var inUse: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return used
    }

    /// Waits (in arrival order) until `bytes` (capped at `capacity`) fit; returns the amount
    /// granted, or nil when the deadline passed first.
    public func reserve(_ bytes: Int, deadline: Deadline) -> Int? {
        let want = min(max(0, bytes), capacity)
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let ticket = nextTicket
        nextTicket += 1
        while serving != ticket || used + want > capacity {
            var ts = timespec(tv_sec: Int(deadline.nanos / 1_000_000_000), tv_nsec: Int(deadline.nanos % 1_000_000_000))
            if pthread_cond_timedwait(&cond, &mutex, &ts) == ETIMEDOUT && deadline.hasPassed {
                // Give up our place in the line: later tickets move up.
                abandon(ticket)
                return nil
            }
        }
        used += want
        serving += 1
        skipAbandoned()
        pthread_cond_broadcast(&cond)
        return want
    }

    public func release(_ granted: Int) {
        pthread_mutex_lock(&mutex)
        used = max(0, used - granted)
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    private var abandoned: Set<Int> = []

    private func abandon(_ ticket: Int) {
        abandoned.insert(ticket)
        skipAbandoned()
        pthread_cond_broadcast(&cond)
    }

    private func skipAbandoned() {
        while abandoned.remove(serving) != nil { serving += 1 }
    }
}

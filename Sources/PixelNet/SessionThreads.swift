// SessionThreads: the threads that run client sessions, kept for reuse. A finished session's
// thread waits up to `idleTimeout` for the next client instead of exiting, so a relay fed one
// connection per message (Postfix, smtp-source) does not create and tear down a thread each time.
// Contract: `run(job)` starts `job` at once, on an idle thread when one is waiting, else on a new
// thread (stack `stackSize`); the number of threads is bounded by the caller (the session cap:
// one job per live session); a finished job is released before its thread waits (nothing it
// captured outlives it); an idle thread exits after `idleTimeout` without work.
import Foundation

public final class SessionThreads: @unchecked Sendable {
    public let idleTimeout: Double
    public let stackSize: Int
    private let cond = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    /// Waiting threads not yet promised a job (waiting threads minus queued jobs).
    private var idle = 0
    private var created = 0

    public init(idleTimeout: Double = 30, stackSize: Int = 1 << 20) {
        self.idleTimeout = idleTimeout
        self.stackSize = stackSize
    }

    /// Threads created so far (tests).
    public var threadsCreated: Int { cond.lock(); defer { cond.unlock() }; return created }

    /// Threads waiting for work right now (tests).
    public var idleThreads: Int { cond.lock(); defer { cond.unlock() }; return idle }

    public func run(_ job: @escaping @Sendable () -> Void) {
        cond.lock()
        if idle > 0 {
            idle -= 1
            jobs.append(job)
            cond.signal()
            cond.unlock()
            return
        }
        created += 1
        cond.unlock()
        let first = FirstJob(job)  // the thread's closure must not keep the first job alive
        let t = Thread { [self] in
            var next = first.take()
            while next != nil {
                Self.runAndRelease(&next)
                next = waitForJob()
            }
        }
        t.stackSize = stackSize
        t.start()
    }

    /// Runs the job and drops it before the thread waits again: whatever it captured (the
    /// client's stream and so its descriptor) must not live on in an idle thread.
    private static func runAndRelease(_ slot: inout (@Sendable () -> Void)?) {
        guard let j = slot else { return }
        slot = nil
        j()
    }

    private func waitForJob() -> (@Sendable () -> Void)? {
        cond.lock()
        defer { cond.unlock() }
        idle += 1
        let deadline = Date(timeIntervalSinceNow: idleTimeout)
        while jobs.isEmpty {
            if !cond.wait(until: deadline) && jobs.isEmpty {
                idle -= 1
                return nil
            }
        }
        return jobs.removeFirst()
    }
}

/// Hands a new thread its first job exactly once, then forgets it.
private final class FirstJob: @unchecked Sendable {
    private var job: (@Sendable () -> Void)?
    init(_ job: @escaping @Sendable () -> Void) { self.job = job }
    func take() -> (@Sendable () -> Void)? {
        defer { job = nil }
        return job
    }
}

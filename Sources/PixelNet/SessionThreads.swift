// SessionThreads: the threads that run client sessions, kept for reuse. A finished session's
// thread waits up to `idleTimeout` for the next client instead of exiting, so a relay fed one
// connection per message (Postfix, smtp-source) does not create and tear down a thread each time.
// Contract: `run(job)` starts `job` at once, on an idle thread when one is waiting, else on a new
// thread (stack `stackSize`); the number of threads is bounded by the caller (the session cap:
// one job per live session); a finished job is released before its thread waits (nothing it
// captured outlives it); an idle thread exits after `idleTimeout` without work.
// Hand-off: each idle thread waits on its own semaphore; `run` takes the most recently idled thread
// (its cache is the warmest), gives it the job under a short lock and signals it after unlocking,
// so the woken thread never blocks on a lock the caller still holds (one wake-up per session).
import Dispatch
import Foundation

public final class SessionThreads: @unchecked Sendable {
    public let idleTimeout: Double
    public let stackSize: Int
    private let lock = PThreadLock()
    /// Threads waiting for work, most recently idled last. Guarded by `lock`.
    private var idle: [Worker] = []
    private var created = 0

    /// One thread's mailbox: the job handed to it and the semaphore it waits on.
    private final class Worker: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        /// Set under `lock` by `run`, taken under `lock` by the thread after `wake`.
        var job: (@Sendable () -> Void)?
    }

    public init(idleTimeout: Double = 30, stackSize: Int = 1 << 20) {
        self.idleTimeout = idleTimeout
        self.stackSize = stackSize
    }

    /// Threads created so far (tests).
    public var threadsCreated: Int { lock.withLock { created } }

    /// Threads waiting for work right now (tests).
    public var idleThreads: Int { lock.withLock { idle.count } }

    public func run(_ job: @escaping @Sendable () -> Void) {
        let handed: Worker? = lock.withLock {
            guard let w = idle.popLast() else {
                created += 1
                return nil
            }
            w.job = job
            return w
        }
        if let handed {
            handed.wake.signal()
            return
        }
        let worker = Worker()
        worker.job = job
        let t = Thread { [self] in
            repeat { runHandedJob(worker) } while waitForJob(worker)
        }
        t.stackSize = stackSize
        t.start()
    }

    /// Takes the job out of `worker`'s mailbox and runs it. The closure is released when this
    /// returns, before the thread waits again: whatever it captured (the client's stream and so its
    /// descriptor) must not live on in an idle thread.
    private func runHandedJob(_ worker: Worker) {
        let job: (@Sendable () -> Void)? = lock.withLock {
            defer { worker.job = nil }
            return worker.job
        }
        job?()
    }

    /// Waits until a job is handed to `worker` (true) or `idleTimeout` passes without one (false:
    /// the thread exits).
    private func waitForJob(_ worker: Worker) -> Bool {
        lock.withLock { idle.append(worker) }
        if worker.wake.wait(timeout: .now() + idleTimeout) == .success { return true }
        let stillIdle: Bool = lock.withLock {
            guard let i = idle.firstIndex(where: { $0 === worker }) else { return false }
            idle.remove(at: i)
            return true
        }
        if stillIdle { return false }
        // `run` took this thread between the timeout and the lock: its signal is on the way.
        worker.wake.wait()
        return true
    }
}

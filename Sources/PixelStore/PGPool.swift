// PGPool: a fixed-size pool of PGConnections shared by threads.
// Contract:
// - At most `size` connections exist; a caller waits for a free one no longer than its deadline,
//   then gets `StoreError.unavailable` ("all N connections busy").
// - Broken connections are closed on release and replaced on demand (reconnect after failure).
// - `run(..., retryOnLost: true)` retries once on a fresh connection when a connection taken from
//   the idle list turns out to be dead (server restarted): only for idempotent reads.
// - `transaction` wraps BEGIN/COMMIT and rolls back on any error.
import CLibPQ
import Foundation

final class PGPool: @unchecked Sendable {
    let conninfo: String
    let size: Int
    let statementTimeoutMillis: Int
    /// Bound on opening one connection, whatever the caller's deadline (`timeout`).
    let connectTimeout: Double
    private let cond = NSCondition()
    private var idle: [PGConnection] = []
    private var open = 0
    private var closed = false

    init(conninfo: String, size: Int, statementTimeout: Double) {
        self.conninfo = conninfo
        self.size = max(1, size)
        self.statementTimeoutMillis = Int(statementTimeout * 1000)
        self.connectTimeout = statementTimeout
    }

    private func acquire(_ deadline: Deadline) throws -> PGConnection {
        cond.lock()
        while true {
            if closed { cond.unlock(); throw StoreError.unavailable("PostgreSQL store is closed") }
            if let c = idle.popLast() {
                if c.isHealthy { cond.unlock(); c.reused = true; return c }
                open -= 1
                continue
            }
            if open < size {
                open += 1
                cond.unlock()
                do {
                    let bound = Deadline(seconds: min(deadline.remaining, connectTimeout))
                    return try PGConnection(conninfo: conninfo, deadline: bound, statementTimeoutMillis: statementTimeoutMillis)
                } catch {
                    cond.lock(); open -= 1; cond.signal(); cond.unlock()
                    throw error
                }
            }
            if !cond.wait(until: deadline.date) && deadline.remaining <= 0 {
                cond.unlock()
                throw StoreError.unavailable("PostgreSQL: all \(size) connections busy for \(deadline.seconds)s")
            }
        }
    }

    private func release(_ c: PGConnection) {
        cond.lock()
        if c.isHealthy && !closed {
            c.reused = false
            idle.append(c)
        } else {
            open -= 1
        }
        cond.signal()
        cond.unlock()
    }

    func run<T>(timeout: Double, retryOnLost: Bool = false, _ body: (PGConnection, Deadline) throws -> T) throws -> T {
        let deadline = Deadline(seconds: timeout)
        var retried = false
        while true {
            let c = try acquire(deadline)
            let wasReused = c.reused
            do {
                let v = try body(c, deadline)
                release(c)
                return v
            } catch {
                let lost = c.broken
                release(c)
                if lost && retryOnLost && wasReused && !retried && deadline.remaining > 0 {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    func transaction<T>(timeout: Double, _ body: (PGConnection, Deadline) throws -> T) throws -> T {
        try run(timeout: timeout) { c, deadline in
            try c.execute("BEGIN", deadline)
            do {
                let v = try body(c, deadline)
                try c.execute("COMMIT", deadline)
                return v
            } catch {
                if !c.broken {
                    do { try c.execute("ROLLBACK", Deadline(seconds: max(1, deadline.seconds))) } catch { c.markBroken() }
                }
                throw error
            }
        }
    }

    func close() {
        cond.lock()
        closed = true
        open -= idle.count
        idle.removeAll()
        cond.broadcast()
        cond.unlock()
    }
}

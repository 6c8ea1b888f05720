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
    private let pool: ResourcePool<PGConnection>

    init(conninfo: String, size: Int, statementTimeout: Double) {
        self.conninfo = conninfo
        self.size = max(1, size)
        self.statementTimeoutMillis = Int(statementTimeout * 1000)
        self.connectTimeout = statementTimeout
        self.pool = ResourcePool(size: size, closedMessage: "PostgreSQL store is closed")
    }

    /// A connection and whether it was taken from the idle list (it may have died since).
    private func acquire(_ deadline: Deadline) throws -> (resource: PGConnection, reused: Bool) {
        try pool.acquire(until: deadline.date, busy: { "PostgreSQL: all \(size) connections busy for \(deadline.seconds)s" },
                         usable: { $0.isHealthy }) {
            let bound = Deadline(seconds: min(deadline.remaining, connectTimeout))
            return try PGConnection(conninfo: conninfo, deadline: bound, statementTimeoutMillis: statementTimeoutMillis)
        }
    }

    func run<T>(timeout: Double, retryOnLost: Bool = false, _ body: (PGConnection, Deadline) throws -> T) throws -> T {
        let deadline = Deadline(seconds: timeout)
        var retried = false
        while true {
            let (c, wasReused) = try acquire(deadline)
            do {
                let v = try body(c, deadline)
                pool.release(c, keep: c.isHealthy)
                return v
            } catch {
                let lost = c.broken
                pool.release(c, keep: c.isHealthy)
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
        pool.close()
    }
}

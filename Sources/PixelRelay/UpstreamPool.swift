// UpstreamPool: keeps a few idle upstream SMTP sessions so that a new inbound session (Postfix opens
// one per delivery) does not pay a connect, greeting, EHLO (and STARTTLS/AUTH) round trip each time.
// Contract:
// - only sessions handed back `clean` (alive, no open transaction, no error in the inbound session)
//   are kept, at most `size` of them, each for at most `idleTimeout` seconds and `maxReuse`
//   transactions; anything else is closed with QUIT;
// - a session is probed before it is handed out (`probeIdle`: anything unsolicited, such as a 421
//   or end of stream, discards it), and the inbound session still retries a reused session that
//   fails at MAIL once on a fresh one, so an upstream restart never reaches the client;
// - XFORWARD is sent with every MAIL, so no client attribute leaks from one lease to the next;
// - `closeIdle()` (reload, shutdown) closes every idle session and turns the pool off for good.
// Idle sessions past their time are closed at the next checkout/checkin and by a 1 s reaper thread.
import Foundation
import PixelNet

/// The `upstream.pool_*` keys.
public struct UpstreamPoolSettings: Sendable, Equatable {
    /// Idle upstream sessions kept; 0 turns pooling off (one upstream session per inbound session).
    public var size = 32
    /// Seconds an idle upstream session is kept (well under Postfix's smtpd_timeout of 300 s).
    public var idleTimeout = 10.0
    /// Transactions one upstream session carries before it is closed.
    public var maxReuse = 100

    public init() {}
}

public final class PooledUpstreamConnector: UpstreamConnector, @unchecked Sendable {
    private struct Idle {
        var upstream: any Upstream
        var transactions: Int
        var since: Deadline
    }

    public let inner: any UpstreamConnector
    public let settings: UpstreamPoolSettings
    private let lock = PThreadLock()
    private var idle: [Idle] = []
    private var closed = false
    private var reaperStarted = false

    public init(inner: any UpstreamConnector, settings: UpstreamPoolSettings) {
        self.inner = inner
        self.settings = settings
    }

    deinit {
        for i in idle { i.upstream.quit() }
    }

    /// Idle sessions held right now (tests, metrics).
    public var idleCount: Int { lock.withLock { idle.count } }

    public func open(sessionID: String) throws(UpstreamFailure) -> any Upstream {
        try inner.open(sessionID: sessionID)
    }

    public func checkout(sessionID: String) throws(UpstreamFailure) -> UpstreamLease {
        while let candidate = takeNewestIdle() {
            if candidate.since.elapsedSeconds <= settings.idleTimeout && candidate.upstream.probeIdle() {
                return UpstreamLease(upstream: candidate.upstream, priorTransactions: candidate.transactions)
            }
            candidate.upstream.quit()
        }
        return UpstreamLease(upstream: try inner.open(sessionID: sessionID), priorTransactions: 0)
    }

    public func checkin(_ upstream: any Upstream, transactions: Int, clean: Bool) {
        let keep = clean && upstream.isAlive && transactions < settings.maxReuse && settings.size > 0
        var evicted: [any Upstream] = []
        var kept = false
        if keep {
            lock.withLock {
                guard !closed else { return }
                evicted = removeExpiredLocked()
                if idle.count >= settings.size { evicted.append(idle.removeFirst().upstream) }
                idle.append(Idle(upstream: upstream, transactions: transactions, since: .now()))
                kept = true
            }
        }
        for e in evicted { e.quit() }
        if !kept { upstream.quit(); return }
        startReaperOnce()
    }

    public func closeIdle() {
        let all = lock.withLock { () -> [Idle] in
            closed = true
            defer { idle = [] }
            return idle
        }
        for i in all { i.upstream.quit() }
    }

    /// Closes idle sessions past `idleTimeout`; returns how many.
    @discardableResult
    public func reap() -> Int {
        let expired = lock.withLock { removeExpiredLocked() }
        for e in expired { e.quit() }
        return expired.count
    }

    private var isClosed: Bool { lock.withLock { closed } }

    private func takeNewestIdle() -> Idle? {
        lock.withLock { idle.popLast() }
    }

    private func removeExpiredLocked() -> [any Upstream] {
        var out: [any Upstream] = []
        idle.removeAll { i in
            guard i.since.elapsedSeconds > settings.idleTimeout else { return false }
            out.append(i.upstream)
            return true
        }
        return out
    }

    /// One background thread per pool closes expired idle sessions even when no mail flows; it
    /// holds the pool weakly and ends with it.
    private func startReaperOnce() {
        let start = lock.withLock { () -> Bool in
            defer { reaperStarted = true }
            return !reaperStarted
        }
        guard start else { return }
        let weakBox = WeakPool(self)
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                guard let pool = weakBox.pool, !pool.isClosed else { return }
                pool.reap()
            }
        }
        thread.name = "pixelgate-upstream-pool"
        thread.start()
    }
}

private final class WeakPool: @unchecked Sendable {
    weak var pool: PooledUpstreamConnector?
    init(_ p: PooledUpstreamConnector) { pool = p }
}

extension Deadline {
    /// Seconds elapsed since this instant.
    var elapsedSeconds: Double {
        let n = Deadline.now().nanos
        return n > nanos ? Double(n - nanos) / 1e9 : 0
    }
}

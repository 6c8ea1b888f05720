// AcceptLoop: accepts clients on one Listener and runs each session on its own thread (reused
// across sessions: SessionThreads), under a cap.
// Contract: at most `maxSessions` sessions run at once across every loop sharing the same
// `SessionCounter`; a client over the cap, or any client after `drain()` began, is handed to
// `refuse` on the accepting thread (the caller writes its 421 line there) and is then closed.
// `stop()` ends accepting within `pollInterval`; `SessionCounter.waitIdle` waits for sessions.
// Sessions, leader/follower: one thread (the leader) waits in accept(); when a client is admitted
// it makes another thread the leader (an idle one, else a new one) and runs the session itself, so
// the client's first reply never waits for a sleeping thread to be woken; after the session the
// thread goes idle in SessionThreads. At most `maxSessions` + 1 threads (the sessions and a leader).
// With `admit` instead of `session`, one accept thread hands each admitted client over (an event
// loop takes it) and the receiver closes it and calls `counter.leave()`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a client was not given a session.
public enum Refusal: Sendable, Equatable {
    case overCapacity
    case draining
}

/// Counts live sessions; shared by every listener of a server so the cap is global.
public final class SessionCounter: @unchecked Sendable {
    private let lock = PThreadLock()
    private var live = 0
    private var draining = false
    public let maxSessions: Int

    public init(maxSessions: Int) { self.maxSessions = max(1, maxSessions) }

    public var active: Int { lock.withLock { live } }
    public var isDraining: Bool { lock.withLock { draining } }

    /// Starts refusing new sessions.
    public func drain() { lock.withLock { draining = true } }

    /// Takes a session slot; the refusal when none is free (callers running their own accept loop).
    public func tryEnter() -> Refusal? {
        lock.withLock {
            if draining { return .draining }
            if live >= maxSessions { return .overCapacity }
            live += 1
            return nil
        }
    }

    /// Gives back a slot taken by `tryEnter`.
    public func leave() { lock.withLock { live -= 1 } }

    /// Waits until no session runs or `deadline` passes; true when idle.
    public func waitIdle(deadline: Deadline) -> Bool {
        while !deadline.hasPassed {
            if active == 0 { return true }
            usleep(50_000)
        }
        return active == 0
    }
}

public final class AcceptLoop: @unchecked Sendable {
    public let listener: Listener
    private let counter: SessionCounter
    /// Runs a session on its own thread, or hands an admitted client over on the accept thread.
    private enum Handler {
        case thread(@Sendable (TCPStream) -> Void)
        case admit(@Sendable (TCPStream) -> Void)
    }
    private let handler: Handler
    private let threads = SessionThreads()
    private let refuse: @Sendable (TCPStream, Refusal) -> Void
    private let stopFlag = PThreadLock()
    private var stopped = false
    private var finished = false
    public var pollInterval: Double = 0.25

    /// `session` runs on its own thread per client (a reused one when idle); `refuse` runs on the accept thread.
    public convenience init(listener: Listener, counter: SessionCounter,
                            session: @escaping @Sendable (TCPStream) -> Void,
                            refuse: @escaping @Sendable (TCPStream, Refusal) -> Void) {
        self.init(listener: listener, counter: counter, handler: .thread(session), refuse: refuse)
    }

    /// `admit` gets each admitted client on the accept thread; it owns the client and its slot
    /// (close it, then `counter.leave()`). `refuse` as above.
    public convenience init(listener: Listener, counter: SessionCounter,
                            admit: @escaping @Sendable (TCPStream) -> Void,
                            refuse: @escaping @Sendable (TCPStream, Refusal) -> Void) {
        self.init(listener: listener, counter: counter, handler: .admit(admit), refuse: refuse)
    }

    private init(listener: Listener, counter: SessionCounter, handler: Handler,
                 refuse: @escaping @Sendable (TCPStream, Refusal) -> Void) {
        self.listener = listener
        self.counter = counter
        self.handler = handler
        self.refuse = refuse
    }

    /// Starts accepting on a background thread.
    public func start() {
        switch handler {
        case .admit:
            let t = Thread { [self] in self.run() }
            t.name = "accept \(listener.address)"
            t.start()
        case .thread:
            threads.run { [self] in self.lead() }
        }
    }

    public func stop() { stopFlag.withLock { stopped = true } }

    /// True once the loop has returned after `stop()`.
    public var hasFinished: Bool { stopFlag.withLock { finished } }

    /// Threads created for sessions and leaders so far (tests).
    var threadsCreated: Int { threads.threadsCreated }

    /// Accepts until `stop()` on the calling thread; with `session`, the calling thread runs
    /// the first admitted client's session and another thread goes on accepting (see `lead`).
    public func run() {
        switch handler {
        case .admit(let take):
            while let client = nextAdmitted() { take(client) }
        case .thread:
            lead()
        }
    }

    /// The leader's turn: waits for an admitted client, hands the accepting on to another thread,
    /// then serves the client here. Returns after the session, or at `stop()`.
    private func lead() {
        guard case .thread(let work) = handler, let client = nextAdmitted() else { return }
        threads.run { [self] in self.lead() }
        work(client)
        client.close()
        counter.leave()
    }

    /// The next client that got a session slot (refusing the others), or nil once `stop()` was
    /// called (the loop has then finished).
    private func nextAdmitted() -> TCPStream? {
        while !stopFlag.withLock({ stopped }) {
            let client: TCPStream?
            do {
                client = try listener.accept(deadline: .after(seconds: pollInterval))
            } catch {
                usleep(100_000)
                continue
            }
            guard let client else { continue }
            if let why = counter.tryEnter() {
                refuse(client, why)
                client.close()
                continue
            }
            return client
        }
        stopFlag.withLock { finished = true }
        return nil
    }
}

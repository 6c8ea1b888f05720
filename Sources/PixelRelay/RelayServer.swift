// RelayServer: the listeners (SMTP and LMTP), their accept loops, the global session cap, reload
// and graceful shutdown. Contract: over `max_connections` a client gets `421 4.3.2` and is closed;
// after `beginDrain()` every new client gets `421 4.3.2` while the listeners stay open, idle
// sessions end at their next command boundary, and sessions in flight finish; `reload` swaps the
// environment for new sessions only (listeners and the session cap stay as they were).
import Logging
import PixelNet
import PixelSMTP

/// The environment new sessions start with, swapped atomically on reload.
final class EnvironmentBox: @unchecked Sendable {
    private let lock = PThreadLock()
    private var env: RelayEnvironment

    init(_ env: RelayEnvironment) { self.env = env }

    var current: RelayEnvironment { lock.withLock { env } }

    func replace(_ new: RelayEnvironment) {
        lock.withLock {
            let keep = env.isDraining, budget = env.largeMessages
            env = new
            env.isDraining = keep
            env.largeMessages = budget
        }
    }
}

public final class RelayServer: @unchecked Sendable {
    private let box: EnvironmentBox
    private let counter: SessionCounter
    private var loops: [AcceptLoop] = []

    /// `listeners` pairs each bound socket with the protocol it speaks.
    public init(environment: RelayEnvironment, listeners: [(Listener, ServerSession.Mode)]) {
        counter = SessionCounter(maxSessions: environment.settings.maxConnections)
        var env = environment
        let c = counter
        env.isDraining = { c.isDraining }
        let box = EnvironmentBox(env)
        self.box = box
        let log = Logger(label: "pixelgate.server")
        for (listener, mode) in listeners {
            let loop = AcceptLoop(listener: listener, counter: counter, session: { tcp in
                let session = InboundSession(stream: tcp, environment: box.current, mode: mode)
                session.run()
            }, refuse: { tcp, why in
                let host = box.current.settings.hostname
                let text = why == .draining ? "\(host) Service shutting down, try again later" : "\(host) Too many connections, try again later"
                log.warning("reject", metadata: ["client": .string(tcp.peer.description), "reason": .string(why == .draining ? "draining" : "max_connections"),
                                                 "reply": "421 4.3.2"])
                try? tcp.write(SMTPReply(421, "4.3.2", text).encoded(), deadline: .after(seconds: 2))
            })
            loops.append(loop)
        }
    }

    public var currentEnvironment: RelayEnvironment { box.current }

    /// The bound addresses, e.g. for the `ready` log line.
    public var addresses: [SocketAddress] { loops.map(\.listener.address) }

    public var activeSessions: Int { counter.active }

    public func start() {
        for l in loops { l.start() }
    }

    /// Stops accepting at once (tests; `finishDrain` for a graceful stop).
    public func stop() {
        for l in loops { l.stop() }
    }

    /// New sessions use `env` (its `isDraining` is kept).
    public func reload(_ env: RelayEnvironment) {
        let old = box.current.connector
        box.replace(env)
        old.closeIdle()  // idle upstream sessions of the old settings are not lent any more
    }

    /// Starts answering 421 to new clients and lets idle sessions close.
    public func beginDrain() { counter.drain() }

    /// Waits for sessions in flight, up to `grace` seconds; true when all finished. Then stops accepting.
    public func finishDrain(grace: Double) -> Bool {
        let idle = counter.waitIdle(deadline: .after(seconds: grace))
        for l in loops { l.stop() }
        box.current.connector.closeIdle()
        return idle
    }
}

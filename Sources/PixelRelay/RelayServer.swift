// RelayServer: the listeners (SMTP and LMTP), their accept loops, the global session cap, reload
// and graceful shutdown. Contract: over `max_connections` a client gets `421 4.3.2` and is closed;
// after `beginDrain()` every new client gets `421 4.3.2` while the listeners stay open, idle
// sessions end at their next command boundary, and sessions in flight finish; `reload` swaps the
// environment for new sessions only (listeners and the session cap stay as they were).
import Logging
import PixelNet
import PixelSMTP

public final class RelayServer: @unchecked Sendable {
    private let lock = PThreadLock()
    private var environment: RelayEnvironment
    private let counter: SessionCounter
    private var loops: [AcceptLoop] = []
    private let log = Logger(label: "pixelgate.server")

    /// `listeners` pairs each bound socket with the protocol it speaks.
    public init(environment: RelayEnvironment, listeners: [(Listener, ServerSession.Mode)]) {
        counter = SessionCounter(maxSessions: environment.settings.maxConnections)
        var env = environment
        let c = counter
        env.isDraining = { c.isDraining }
        self.environment = env
        for (listener, mode) in listeners {
            let loop = AcceptLoop(listener: listener, counter: counter, session: { [unowned self] tcp in
                let session = InboundSession(stream: tcp, environment: self.currentEnvironment, mode: mode)
                session.run()
            }, refuse: { [unowned self] tcp, why in
                let host = self.currentEnvironment.settings.hostname
                let text = why == .draining ? "\(host) Service shutting down, try again later" : "\(host) Too many connections, try again later"
                self.log.warning("reject", metadata: ["client": .string(tcp.peer.description), "reason": .string(why == .draining ? "draining" : "max_connections"),
                                                      "reply": "421 4.3.2"])
                try? tcp.write(SMTPReply(421, "4.3.2", text).encoded(), deadline: .after(seconds: 2))
            })
            loops.append(loop)
        }
    }

    public var currentEnvironment: RelayEnvironment { lock.withLock { environment } }

    /// The bound addresses, e.g. for the `ready` log line.
    public var addresses: [SocketAddress] { loops.map(\.listener.address) }

    public var activeSessions: Int { counter.active }

    public func start() {
        for l in loops { l.start() }
    }

    /// New sessions use `env` (its `isDraining` is kept).
    public func reload(_ env: RelayEnvironment) {
        lock.withLock {
            let keep = environment.isDraining
            environment = env
            environment.isDraining = keep
        }
    }

    /// Starts answering 421 to new clients and lets idle sessions close.
    public func beginDrain() { counter.drain() }

    /// Waits for sessions in flight, up to `grace` seconds; true when all finished. Then stops accepting.
    public func finishDrain(grace: Double) -> Bool {
        let idle = counter.waitIdle(deadline: .after(seconds: grace))
        for l in loops { l.stop() }
        return idle
    }
}

// WebServer: the HTTP/1.1 server of the gate, pages, API, metrics and health, on PixelNet. Plain
// HTTP: an accept thread feeds `event_loops` poll() ConnectionLoops (default: one per core over the
// SQLite store), which answer whole GET/HEAD requests inline and hand any connection needing to wait
// (partial request, body, POST, slow reader, error) to a session thread; with TLS or event_loops = 0:
// one thread per connection (PixelNet's AcceptLoop, TLSStream).
// Why not FlyingFox's HTTPServer: 0.27.1 reads the request line and headers with no size limit,
// has no idle read timeout and closes without an answer on bad input, so the 414/431/413/408
// could not be met; the issue allows a small server on the project's own network layer.
// Guarantees: `start()` binds and returns once listening (`boundPort`); each connection serves
// requests in order (keep-alive, closed after keepalive_timeout idle or when the server is above 80 %
// of max_connections) under the RequestLimits, answers a limit breach with its 4xx and
// closes; a client over `max_connections` gets 503; `stop()` stops accepting and closes every open
// connection. The X-Forwarded-For rule is ClientAddress's; a handler fault cannot take the process
// down (handlers return values, they do not throw).
import Foundation
import Logging
import PixelNet
import PixelPolicy
import PixelStore

public enum WebError: Error, CustomStringConvertible {
    case listen(String)
    case tls(String)
    case config(String)

    public var description: String {
        switch self {
        case .listen(let m): return "http: cannot listen: \(m)"
        case .tls(let m): return "http: TLS: \(m)"
        case .config(let m): return "http: \(m)"
        }
    }
}

public final class WebServer: @unchecked Sendable {
    public let settings: WebSettings
    private let router: Router
    private let clients: ClientAddress
    private let logger: Logger
    private let counter: SessionCounter
    private let lock = NSLock()
    private var loop: AcceptLoop?
    private var tls: TLSContext?
    private var open: [ObjectIdentifier: any ByteStream] = [:]
    private var loops: [ConnectionLoop] = []
    private var stopping = false
    private let threads = SessionThreads()
    public private(set) var boundPort: UInt16 = 0

    private let configError: String?

    /// Checks nothing that can fail; `start()` reports a bad setting.
    public init(settings: WebSettings, store: any ConsentStore, keyring: TokenKeyring, hooks: WebHooks, logger: Logger) {
        var problems: [String] = []
        switch IPNetworkList.parse(settings.trustedProxies) {
        case .success(let trusted): self.clients = ClientAddress(trusted: trusted)
        case .failure(let e):
            self.clients = ClientAddress(trusted: IPNetworkList([]))
            problems.append("trusted_proxies: \(e)")
        }
        var metricsAllow = IPNetworkList([])
        switch IPNetworkList.parse(settings.metricsAllow) {
        case .success(let list): metricsAllow = list
        case .failure(let e): problems.append("metrics_allow: \(e)")
        }
        self.configError = problems.isEmpty ? nil : problems.joined(separator: "; ")
        self.settings = settings
        self.logger = logger
        self.loopCount = max(0, settings.eventLoops ?? (store is SQLiteConsentStore ? ProcessInfo.processInfo.activeProcessorCount : 0))
        self.counter = SessionCounter(maxSessions: settings.maxConnections)
        self.router = Router(ctx: WebContext(settings: settings, store: store, keyring: keyring, hooks: hooks, logger: logger),
                             metricsAllow: metricsAllow)
    }

    public func start() throws {
        if let configError { throw WebError.config(configError) }
        if !settings.tlsCert.isEmpty || !settings.tlsKey.isEmpty {
            do { tls = try TLSContext.server(certFile: settings.tlsCert, keyFile: settings.tlsKey) } catch {
                throw WebError.tls(error.description)
            }
        }
        let listener: Listener
        do { listener = try Listener.bind(host: settings.host, port: settings.port) } catch {
            throw WebError.listen("\(settings.host):\(settings.port): \(error.description)")
        }
        boundPort = UInt16(listener.address.port)
        let refuse: @Sendable (TCPStream, Refusal) -> Void = { tcp, _ in
            let r = WebResponse.text(.unavailable, "too many connections\n")
            try? tcp.write(ResponseWriter.encode(r, keepAlive: false), deadline: .after(seconds: 1))
            tcp.close()
        }
        if tls == nil && loopCount > 0 {
            try startLoops(listener, count: loopCount, refuse: refuse)
            return
        }
        let loop = AcceptLoop(listener: listener, counter: counter,
                              session: { [weak self] tcp in self?.serve(tcp) },
                              refuse: refuse)
        self.loop = loop
        loop.start()
    }

    /// Plain HTTP: an accept thread feeding `ConnectionLoop`s (one per core), which hand unusual
    /// connections to session threads.
    private func startLoops(_ listener: Listener, count: Int, refuse: @escaping @Sendable (TCPStream, Refusal) -> Void) throws {
        let handlers = ConnectionLoop.Handlers(
            answer: { [weak self] r, peer in self?.answer(r, peer: peer) ?? ([], false) },
            handOff: { [weak self] c, unsent, keep in
                guard let self else { c.tcp.close(); return }
                self.handOff(c, unsent: unsent, keepAlive: keep)
            },
            closed: { [weak self] tcp in
                guard let self else { return }
                self.track(tcp, false)
                self.counter.leave()
            })
        var made: [ConnectionLoop] = []
        for _ in 0..<count { made.append(try ConnectionLoop(limits: settings.limits, handlers: handlers)) }
        let all = made
        lock.withLock { loops = all }
        for (i, l) in all.enumerated() {
            let t = Thread { l.run() }
            t.name = "http loop \(i)"
            t.start()
        }
        let t = Thread { [self] in
            var next = 0
            while !lock.withLock({ stopping }) {
                let client: TCPStream?
                do { client = try listener.accept(deadline: .after(seconds: 0.25)) } catch {
                    usleep(100_000)
                    continue
                }
                guard let client else { continue }
                if let why = counter.tryEnter() {
                    refuse(client, why)
                    client.close()
                    continue
                }
                track(client, true)
                all[next % all.count].add(client)
                next &+= 1
            }
        }
        t.name = "http accept \(listener.address)"
        t.start()
    }

    /// `event_loops`, resolved (see WebSettings.eventLoops).
    private let loopCount: Int

    public func stop() {
        loop?.stop()
        let running = lock.withLock { () -> [ConnectionLoop] in
            stopping = true
            return loops
        }
        for l in running { l.stop() }
        counter.drain()
        let streams = lock.withLock { Array(open.values) }
        for s in streams { s.close() }
    }

    private func track(_ s: any ByteStream, _ add: Bool) {
        lock.withLock { if add { open[ObjectIdentifier(s)] = s } else { open[ObjectIdentifier(s)] = nil } }
    }

    /// After an error answer, reads and drops what the client is still sending (for up to 2 s and
    /// 8 MB) so that closing does not reset the connection before the client has read the answer.
    static func linger(_ stream: any ByteStream) {
        var scratch = [UInt8](repeating: 0, count: 65536)
        let deadline = Deadline.after(seconds: 2)
        var total = 0
        while total < 8 << 20, let n = try? stream.read(into: &scratch, deadline: deadline), n > 0 { total += n }
    }

    private func serve(_ tcp: TCPStream) {
        var stream: any ByteStream = tcp
        track(tcp, true)
        defer { track(tcp, false); stream.close() }
        if let tls {
            do {
                let t = try TLSStream.accept(over: tcp, context: tls, deadline: .after(seconds: settings.limits.readTimeout))
                track(tcp, false); track(t, true)
                stream = t
            } catch {
                logger.debug("http", metadata: ["status": "tls_failed", "error": .string(error.description)])
                return
            }
        }
        defer { track(stream, false) }
        let reader = RequestReader(stream: stream, limits: settings.limits)
        converse(stream, reader: reader, peer: tcp.peer.host, idle: settings.limits.readTimeout)
    }

    /// A connection the event loop could not finish: its session thread writes the rest of the
    /// answer, then serves the connection like `serve` (the reader keeps the bytes already read).
    private func handOff(_ c: ConnectionLoop.Connection, unsent: [UInt8], keepAlive: Bool) {
        threads.run { [self] in
            defer {
                c.tcp.close()
                track(c.tcp, false)
                counter.leave()
            }
            if !unsent.isEmpty {
                do { try c.tcp.write(unsent, deadline: .after(seconds: settings.limits.readTimeout)) } catch { return }
                if !keepAlive { return }
            }
            converse(c.tcp, reader: c.reader, peer: c.peer, idle: settings.limits.keepaliveTimeout)
        }
    }

    /// Requests in order on one connection until it closes, a limit is hit or keep-alive ends.
    private func converse(_ stream: any ByteStream, reader: RequestReader, peer: String, idle first: Double) {
        var idle = first
        while true {
            let request: WebRequest
            do {
                request = try reader.next(peerIP: peer, idle: idle)
                idle = settings.limits.keepaliveTimeout
            } catch {
                if error == .idleClose { return }
                logger.info("http", metadata: ["status": "\(error.status.rawValue)", "error": .string(error.message), "peer": .string(peer)])
                let r = WebResponse.text(error.status, error.message + "\n")
                try? stream.write(ResponseWriter.encode(r, keepAlive: false), deadline: .after(seconds: settings.limits.readTimeout))
                Self.linger(stream)
                return
            }
            let (bytes, keep) = answer(request, peer: peer)
            do { try stream.write(bytes, deadline: .after(seconds: settings.limits.readTimeout)) } catch { return }
            if !keep { return }
        }
    }

    /// The framed answer to one request, and whether the connection stays open after it.
    private func answer(_ r: WebRequest, peer: String) -> (bytes: [UInt8], keepAlive: Bool) {
        var request = r
        request.clientIP = clients.resolve(peer: peer, forwardedFor: request.header("x-forwarded-for"))
        let response = router.route(request)
        // Above 80 % of max_connections, connections are not kept alive, so idle clients
        // cannot hold every slot.
        let keep = request.keepAlive && !counter.isDraining && counter.active * 5 < settings.maxConnections * 4
        return (ResponseWriter.encode(response, keepAlive: keep, headOnly: request.method == "HEAD"), keep)
    }
}

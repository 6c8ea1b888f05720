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
// Reload (SIGHUP, `prepareReload` then `apply`): the token keyring, API tokens, rate limits,
// trusted proxies, metrics_allow, token/form ages, page texts and the TLS certificate are replaced
// for the next request (a bad value fails the reload and keeps everything); the listen address,
// max_connections, event_loops, the request limits and TLS on/off keep their startup values and
// are reported as needing a restart. Rate-limit counters start afresh with the new settings.
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
    /// What a request is answered with; replaced whole by a reload. A class, so that taking the
    /// current one for a request copies one reference, not every field of the settings and router.
    final class Runtime: Sendable {
        let settings: WebSettings
        let router: Router
        let clients: ClientAddress
        let tls: TLSContext?

        init(settings: WebSettings, router: Router, clients: ClientAddress, tls: TLSContext?) {
            self.settings = settings
            self.router = router
            self.clients = clients
            self.tls = tls
        }
    }

    /// A checked replacement, ready to `apply`; `needsRestart` names the settings it leaves as they
    /// were (see the file contract).
    public struct Reload: Sendable {
        let runtime: Runtime
        public let needsRestart: [String]
    }

    /// The settings in force (after the last reload).
    public var settings: WebSettings { current.settings }
    /// The startup settings: the listen address, limits and connection model never change.
    private let fixed: WebSettings
    private var runtime: Runtime
    private var current: Runtime { lock.withLock { runtime } }
    private let store: any ConsentStore
    private let hooks: WebHooks
    private let logger: Logger
    private let counter: SessionCounter
    private let lock = NSLock()
    private var loop: AcceptLoop?
    private var open: [ObjectIdentifier: any ByteStream] = [:]
    private var loops: [ConnectionLoop] = []
    private let threads = SessionThreads()
    public private(set) var boundPort: UInt16 = 0

    private let configError: String?

    /// Checks nothing that can fail; `start()` reports a bad setting.
    public init(settings: WebSettings, store: any ConsentStore, keyring: TokenKeyring, hooks: WebHooks, logger: Logger) {
        self.fixed = settings
        self.store = store
        self.hooks = hooks
        self.logger = logger
        self.loopCount = max(0, settings.eventLoops ?? (store is SQLiteConsentStore ? ProcessInfo.processInfo.activeProcessorCount : 0))
        self.counter = SessionCounter(maxSessions: settings.maxConnections)
        do {
            self.runtime = try Self.runtime(settings, store: store, keyring: keyring, hooks: hooks, logger: logger, loadTLS: false)
            self.configError = nil
        } catch {
            self.runtime = Runtime(settings: settings, router: Router(ctx: WebContext(settings: settings, store: store, keyring: keyring,
                                                                                     hooks: hooks, logger: logger),
                                                                      metricsAllow: IPNetworkList([])),
                                   clients: ClientAddress(trusted: IPNetworkList([])), tls: nil)
            self.configError = error.description
        }
    }

    /// Builds what requests are answered with; a bad network list or TLS pair is an error.
    static func runtime(_ settings: WebSettings, store: any ConsentStore, keyring: TokenKeyring, hooks: WebHooks,
                        logger: Logger, loadTLS: Bool) throws(WebError) -> Runtime {
        var problems: [String] = []
        var clients = ClientAddress(trusted: IPNetworkList([]))
        switch IPNetworkList.parse(settings.trustedProxies) {
        case .success(let trusted): clients = ClientAddress(trusted: trusted)
        case .failure(let e): problems.append("trusted_proxies: \(e)")
        }
        var metricsAllow = IPNetworkList([])
        switch IPNetworkList.parse(settings.metricsAllow) {
        case .success(let list): metricsAllow = list
        case .failure(let e): problems.append("metrics_allow: \(e)")
        }
        if !problems.isEmpty { throw .config(problems.joined(separator: "; ")) }
        var tls: TLSContext?
        if loadTLS && (!settings.tlsCert.isEmpty || !settings.tlsKey.isEmpty) {
            do { tls = try TLSContext.server(certFile: settings.tlsCert, keyFile: settings.tlsKey) } catch {
                throw .tls(error.description)
            }
        }
        let ctx = WebContext(settings: settings, store: store, keyring: keyring, hooks: hooks, logger: logger)
        return Runtime(settings: settings, router: Router(ctx: ctx, metricsAllow: metricsAllow), clients: clients, tls: tls)
    }

    /// Checks `settings` and `keyring` for a reload without changing anything: the settings that
    /// only a restart can change keep their startup values and are listed in `needsRestart`.
    public func prepareReload(settings new: WebSettings, keyring: TokenKeyring) throws(WebError) -> Reload {
        var s = new
        var restart: [String] = []
        if s.host != fixed.host || s.port != fixed.port { restart.append("http.listen") }
        if s.maxConnections != fixed.maxConnections { restart.append("http.max_connections") }
        if s.eventLoops != fixed.eventLoops { restart.append("http.event_loops") }
        if s.limits != fixed.limits { restart.append("http request limits") }
        let tlsWas = current.tls != nil
        let tlsNow = !s.tlsCert.isEmpty || !s.tlsKey.isEmpty
        if tlsWas != tlsNow { restart.append("http.tls_cert/tls_key (TLS on or off)") }
        s.host = fixed.host
        s.port = fixed.port
        s.maxConnections = fixed.maxConnections
        s.eventLoops = fixed.eventLoops
        s.limits = fixed.limits
        if !tlsWas { s.tlsCert = ""; s.tlsKey = "" }
        if tlsWas && !tlsNow {                      // still TLS until a restart: keep the files
            s.tlsCert = current.settings.tlsCert
            s.tlsKey = current.settings.tlsKey
        }
        let next = try Self.runtime(s, store: store, keyring: keyring, hooks: hooks, logger: logger, loadTLS: tlsWas)
        return Reload(runtime: next, needsRestart: restart)
    }

    /// Puts a prepared reload in force for the next request (connections being answered finish
    /// with what they started with).
    public func apply(_ reload: Reload) {
        lock.withLock { runtime = reload.runtime }
    }

    public func start() throws {
        if let configError { throw WebError.config(configError) }
        if !fixed.tlsCert.isEmpty || !fixed.tlsKey.isEmpty {
            let withTLS = try Self.runtime(fixed, store: store, keyring: current.router.ctx.keyring, hooks: hooks, logger: logger, loadTLS: true)
            lock.withLock { runtime = withTLS }
        }
        let settings = fixed
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
        if current.tls == nil && loopCount > 0 {
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
        for _ in 0..<count { made.append(try ConnectionLoop(limits: fixed.limits, handlers: handlers)) }
        let all = made
        lock.withLock { loops = all }
        for (i, l) in all.enumerated() {
            let t = Thread { l.run() }
            t.name = "http loop \(i)"
            t.start()
        }
        let rr = RoundRobin(count: all.count)
        let loop = AcceptLoop(listener: listener, counter: counter,
                              admit: { [weak self] client in
                                  guard let self else { client.close(); return }
                                  self.track(client, true)
                                  all[rr.next()].add(client)
                              },
                              refuse: refuse)
        self.loop = loop
        loop.start()
    }

    /// `event_loops`, resolved (see WebSettings.eventLoops).
    private let loopCount: Int

    public func stop() {
        loop?.stop()
        let running = lock.withLock { loops }
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
        if let tls = current.tls {
            do {
                let t = try TLSStream.accept(over: tcp, context: tls, deadline: .after(seconds: fixed.limits.readTimeout))
                track(tcp, false); track(t, true)
                stream = t
            } catch {
                logger.debug("http", metadata: ["status": "tls_failed", "error": .string(error.description)])
                return
            }
        }
        defer { track(stream, false) }
        let reader = RequestReader(stream: stream, limits: fixed.limits)
        converse(stream, reader: reader, peer: tcp.peer.host, idle: fixed.limits.readTimeout)
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
                do { try c.tcp.write(unsent, deadline: .after(seconds: fixed.limits.readTimeout)) } catch { return }
                if !keepAlive { return }
            }
            converse(c.tcp, reader: c.reader, peer: c.peer, idle: fixed.limits.keepaliveTimeout)
        }
    }

    /// Requests in order on one connection until it closes, a limit is hit or keep-alive ends.
    private func converse(_ stream: any ByteStream, reader: RequestReader, peer: String, idle first: Double) {
        var idle = first
        while true {
            let request: WebRequest
            do {
                request = try reader.next(peerIP: peer, idle: idle)
                idle = fixed.limits.keepaliveTimeout
            } catch {
                if error == .idleClose { return }
                logger.info("http", metadata: ["status": "\(error.status.rawValue)", "error": .string(error.message), "peer": .string(peer)])
                let r = WebResponse.text(error.status, error.message + "\n")
                try? stream.write(ResponseWriter.encode(r, keepAlive: false), deadline: .after(seconds: fixed.limits.readTimeout))
                Self.linger(stream)
                return
            }
            let (bytes, keep) = answer(request, peer: peer)
            do { try stream.write(bytes, deadline: .after(seconds: fixed.limits.readTimeout)) } catch { return }
            if !keep { return }
        }
    }

    /// The framed answer to one request, and whether the connection stays open after it.
    private func answer(_ r: WebRequest, peer: String) -> (bytes: [UInt8], keepAlive: Bool) {
        var request = r
        let rt = current
        request.clientIP = rt.clients.resolve(peer: peer, forwardedFor: request.header("x-forwarded-for"))
        let response = rt.router.route(request)
        // Above 80 % of max_connections, connections are not kept alive, so idle clients
        // cannot hold every slot.
        let keep = request.keepAlive && !counter.isDraining && counter.active * 5 < fixed.maxConnections * 4
        return (ResponseWriter.encode(response, keepAlive: keep, headOnly: request.method == "HEAD"), keep)
    }
}

/// Which event loop takes the next client (only the accept thread asks).
private final class RoundRobin: @unchecked Sendable {
    private let count: Int
    private var i = 0
    init(count: Int) { self.count = count }
    func next() -> Int {
        defer { i = (i + 1) % count }
        return i
    }
}

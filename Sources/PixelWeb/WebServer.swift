// WebServer: the HTTP/1.1 server of the gate, pages, API, metrics and health, on PixelNet (one
// thread per connection, like the relay; optional TLS with PixelNet's TLSStream).
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
        let loop = AcceptLoop(listener: listener, counter: counter,
                              session: { [weak self] tcp in self?.serve(tcp) },
                              refuse: { tcp, _ in
                                  let r = WebResponse.text(.unavailable, "too many connections\n")
                                  try? tcp.write(ResponseWriter.encode(r, keepAlive: false), deadline: .after(seconds: 1))
                                  tcp.close()
                              })
        self.loop = loop
        loop.start()
    }

    public func stop() {
        loop?.stop()
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
        let peer = tcp.peer.host
        var idle = settings.limits.readTimeout
        while true {
            var request: WebRequest
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
            request.clientIP = clients.resolve(peer: peer, forwardedFor: request.header("x-forwarded-for"))
            let response = router.route(request)
            // Above 80 % of max_connections, connections are not kept alive, so idle clients
            // cannot hold every slot.
            let keep = request.keepAlive && !counter.isDraining && counter.active * 5 < settings.maxConnections * 4
            let bytes = ResponseWriter.encode(response, keepAlive: keep, headOnly: request.method == "HEAD")
            do { try stream.write(bytes, deadline: .after(seconds: settings.limits.readTimeout)) } catch { return }
            if !keep { return }
        }
    }
}

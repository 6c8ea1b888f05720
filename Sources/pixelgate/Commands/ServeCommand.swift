// serve: runs the relay and the HTTP server (gate, pages, API; docs/web.md) in the foreground
// (DESIGN "Command line").
// Contract: flags override the config; logs go to stderr as logfmt; `event=ready` lists the
// listening addresses and READY=1 goes to $NOTIFY_SOCKET; SIGHUP reloads the config for new
// sessions and the HTTP server's next requests, both or neither (listeners stay; settings only a
// restart can change are named in a warning, WebServer); SIGTERM/SIGINT stop the HTTP
// server, send STOPPING=1, answer new SMTP clients 421 4.3.2 while sessions in flight finish, and exit within `shutdown_grace` (30 s by default).
import ArgumentParser
import Foundation
import Logging
import PixelLog
import PixelNet
import PixelRelay
import PixelSMTP
import PixelWeb

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the relay in the foreground.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "SMTP listen address HOST:PORT (replaces server.listen).")
    var listen: String?

    @Option(name: .long, help: "LMTP listen address HOST:PORT (server.lmtp).")
    var lmtp: String?

    @Option(name: .long, help: "HTTP listen address HOST:PORT (http.listen; gate, pages, API); \"\" disables it.")
    var http: String?

    @Option(name: .long, help: "Upstream HOST:PORT, or file:DIR for a dry run (replaces upstream.hosts).")
    var upstream: String?

    /// The config with the command-line overrides applied and re-validated.
    func loadConfig() throws -> PixelgateConfig {
        var cfg: PixelgateConfig
        do {
            cfg = try options.load()
            if let listen { cfg.relay.listen = [listen] }
            if let lmtp { cfg.relay.lmtp = lmtp }
            if let http { cfg.http.listen = http }
            if let upstream { cfg.relay.upstreamHosts = [upstream] }
            try cfg.relay.validate(path: "command line")
            try cfg.http.validate(path: "command line")
        } catch let e as ConfigError {
            throw CLIError("pixelgate: \(e.description)")
        }
        return cfg
    }

    func run() throws {
        // Before any thread exists: SIGTERM/SIGINT/SIGHUP are blocked in every thread and taken by
        // this (main) thread with sigwait below, never by a session thread or a dispatch queue.
        let signals = SignalWaiter(blocking: [SIGTERM, SIGINT, SIGHUP])
        let cfg = try loadConfig()
        LogfmtHandler.bootstrap(level: Logger.Level(rawValue: cfg.log.level) ?? .info)
        let log = Logger(label: "pixelgate.serve")
        try FileManager.default.createDirectory(atPath: cfg.common.stateDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let env = try Self.environment(cfg, log: log)

        var listeners: [(Listener, ServerSession.Mode)] = []
        do throws(NetError) {
            for l in cfg.relay.listen {
                let hp = SocketAddress.parseHostPort(l)!
                listeners.append((try Listener.bind(host: hp.host, port: hp.port), .smtp))
            }
            if !cfg.relay.lmtp.isEmpty {
                let hp = SocketAddress.parseHostPort(cfg.relay.lmtp)!
                listeners.append((try Listener.bind(host: hp.host, port: hp.port), .lmtp))
            }
        } catch {
            throw CLIError("pixelgate: cannot listen: \(error.description)")
        }
        let web = try WebWiring.server(cfg, hooks: MetricsWiring.webHooks, log: log)
        do { try web?.start() } catch {
            throw CLIError("pixelgate: \(error)")
        }
        let server = RelayServer(environment: env, listeners: listeners)
        server.start()
        let addrs = zip(server.addresses, listeners.map(\.1)).map { "\($0.1.rawValue)://\($0.0)" }
        log.notice("ready", metadata: ["listen": .string(addrs.joined(separator: ",")), "upstream": .string(cfg.relay.upstreamHosts.joined(separator: ",")),
                                       "http": .string(web.map { "\($0.settings.tlsCert.isEmpty ? "http" : "https")://\($0.settings.host):\($0.boundPort)" } ?? "off"), "config": .string(cfg.source)])
        SystemdNotify.send("READY=1")

        while true {
            if signals.next() == SIGHUP {
                Self.reload(self, server: server, web: web, log: log)
            } else {
                Self.shutdown(server: server, web: web, grace: cfg.relay.shutdownGrace, log: log)
            }
        }
    }

    /// Everything sessions need; `journal` is kept across reloads (one writer per file).
    static func environment(_ cfg: PixelgateConfig, log: Logger, journal: (any DeliveryJournal)? = nil) throws -> RelayEnvironment {
        let settings: RelaySettings
        do {
            settings = try RelayWiring.settings(cfg)
        } catch let e as NetError {
            throw CLIError("pixelgate: \(e.description)")
        } catch let e as CredentialsError {
            throw CLIError("pixelgate: \(e.description)")
        }
        return RelayEnvironment(settings: settings, planner: try RelayWiring.selectPlanner(cfg, log: log),
                                journal: try journal ?? RelayWiring.makeJournal(cfg), connector: try RelayWiring.connector(settings))
    }

    static func reload(_ cmd: Serve, server: RelayServer, web: WebServer?, log: Logger) {
        do {
            let cfg = try cmd.loadConfig()
            let current = server.currentEnvironment
            var env = try environment(cfg, log: log, journal: current.journal)
            env.isDraining = current.isDraining
            // Everything is checked before anything changes: a relay sealing with new token keys
            // while the gate still holds the old ones would break every new link.
            let webReload = try web.map { try WebWiring.prepareReload($0, cfg) }
            server.reload(env)
            if let web, let webReload { web.apply(webReload) }
            log.notice("reload", metadata: ["status": "ok", "config": .string(cfg.source)])
            if let restart = webReload?.needsRestart, !restart.isEmpty {
                log.warning("reload", metadata: ["status": "partial", "restart_needed": .string(restart.joined(separator: ","))])
            }
        } catch {
            log.error("reload", metadata: ["status": "failed", "error": .string("\(error)")])
        }
    }

    static func shutdown(server: RelayServer, web: WebServer?, grace: Double, log: Logger) {
        log.notice("shutdown", metadata: ["sessions": "\(server.activeSessions)", "grace_s": "\(grace)"])
        SystemdNotify.send("STOPPING=1")
        web?.stop()
        server.beginDrain()
        let clean = server.finishDrain(grace: grace)
        log.notice("stopped", metadata: ["clean": .string(clean ? "yes" : "no"), "sessions": "\(server.activeSessions)"])
        Foundation.exit(0)
    }
}

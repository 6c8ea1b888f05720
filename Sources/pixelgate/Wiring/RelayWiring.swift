// RelayWiring: turns the parsed config into the relay's runtime parts: RelaySettings (with TLS
// contexts and credentials loaded from their files), the upstream connector, the planner, and the
// delivery journal. Contract: every file problem is a CLIError naming the file; the planner is the
// tracker engine over the consent store, and the delivery journal lives in that store (AppWiring).
import Foundation
import Logging
import PixelNet
import PixelRelay

enum RelayWiring {
    /// The planner used by `serve`: the tracker engine over the consent store (AppWiring).
    static func makePlanner(_ cfg: PixelgateConfig) throws -> any VariantPlanner {
        try AppWiring.planner(cfg)
    }

    /// `makePlanner`, or the test-only per-recipient or bench-only pass-through planner (`shadow` is the engine planner's own),
    /// with DKIM (DKIMWiring) as the last step, counted by the process's metrics (MetricsWiring).
    static func selectPlanner(_ cfg: PixelgateConfig, log: Logger) throws -> any VariantPlanner {
        switch ProcessInfo.processInfo.environment[TestVariantPlanner.environmentVariable] {
        case TestVariantPlanner.environmentValue:
            log.warning("startup", metadata: ["warning": "TEST-ONLY per-recipient variant planner active (PIXELGATE_TEST_VARIANTS); never use in production"])
            return MetricsWiring.metered(try DKIMWiring.wrap(TestVariantPlanner(), cfg))
        case TestVariantPlanner.passThroughValue:
            log.warning("startup", metadata: ["warning": "BENCH-ONLY pass-through planner active (PIXELGATE_TEST_VARIANTS): trackers are NOT filtered; never use in production"])
            return MetricsWiring.metered(PassThroughPlanner())
        default:
            return MetricsWiring.metered(try DKIMWiring.wrap(try makePlanner(cfg), cfg))
        }
    }

    /// RelaySettings from the config, loading certificates and credential files.
    static func settings(_ cfg: PixelgateConfig) throws -> RelaySettings {
        let r = cfg.relay
        var s = RelaySettings()
        s.hostname = cfg.common.hostname
        s.allowNetworks = try IPNetworkList.parse(r.allowNetworks).get()
        s.maxConnections = r.maxConnections
        s.bareNewline = r.bareNewline
        s.spoolMemoryLimit = r.spoolMemoryLimit
        s.largeMessageMemory = r.largeMessageMemory
        s.spoolDirectory = cfg.common.stateDir
        s.shutdownGrace = r.shutdownGrace
        s.limits = r.limits
        s.addressLogMode = cfg.log.addresses
        s.tlsPolicy = r.tlsPolicy
        if !r.tlsCert.isEmpty && r.tlsPolicy != .none {
            s.tlsContext = try TLSContext.server(certFile: credentialPath(r.tlsCert), keyFile: credentialPath(r.tlsKey),
                                                 clientCAFile: r.tlsPolicy == .verify ? r.tlsCAFile : nil)
        }
        if !r.authCredentialsFile.isEmpty {
            s.credentials = try InboundCredentials.load(path: credentialPath(r.authCredentialsFile))
        }
        var u = UpstreamSettings()
        u.target = try r.upstreamTarget(path: cfg.source)
        u.tlsPolicy = r.upstreamTLSPolicy
        if r.upstreamTLSPolicy != .none {
            u.tlsContext = try TLSContext.client(verify: r.upstreamTLSPolicy == .verify, caFile: r.upstreamCAFile.isEmpty ? nil : r.upstreamCAFile)
        }
        if !r.upstreamCredentialsFile.isEmpty {
            u.credentials = try UpstreamCredentials.load(path: credentialPath(r.upstreamCredentialsFile))
        }
        u.xforward = r.upstreamXforward
        u.heloName = r.upstreamHeloName.isEmpty ? cfg.common.hostname : r.upstreamHeloName
        u.connectTimeout = r.upstreamConnectTimeout
        u.commandTimeout = r.upstreamCommandTimeout
        u.dataTimeout = r.upstreamDataTimeout
        u.pool = r.upstreamPool
        s.upstream = u
        return s
    }

    /// A relative file name is looked up in systemd's $CREDENTIALS_DIRECTORY first (LoadCredential=).
    static func credentialPath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let dir = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] else { return path }
        let p = dir + "/" + path
        return FileManager.default.fileExists(atPath: p) ? p : path
    }

    static func connector(_ s: RelaySettings) throws -> any UpstreamConnector {
        switch s.upstream.target {
        case .directory(let d):
            return DirectoryUpstreamConnector(directory: d)
        case .hosts(let h):
            guard !h.isEmpty else { throw CLIError("pixelgate: no upstream: set [upstream] hosts or pass --upstream HOST:PORT|file:DIR") }
            let smtp = SMTPUpstreamConnector(settings: s.upstream, hosts: h, heloName: s.upstream.heloName)
            return s.upstream.pool.size > 0 ? PooledUpstreamConnector(inner: smtp, settings: s.upstream.pool) : smtp
        }
    }

    /// The delivery journal, kept in the consent store (`delivery_journal`).
    static func makeJournal(_ cfg: PixelgateConfig) throws -> any DeliveryJournal {
        StoreDeliveryJournal(store: try AppWiring.store(cfg))
    }
}

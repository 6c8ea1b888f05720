// RelayWiring: turns the parsed config into the relay's runtime parts: RelaySettings (with TLS
// contexts and credentials loaded from their files), the upstream connector, the planner, and the
// delivery journal. Contract: every file problem is a CLIError naming the file; `makePlanner` is
// the single place the integrator swaps in the tracker engine; the file journal is a stop-gap until
// the consent store's journal is wired (append-only `journal.log` in the state dir).
import Foundation
import Logging
import PixelNet
import PixelRelay

enum RelayWiring {
    /// The planner used by `serve` (the integrator replaces this with the engine's planner).
    static func makePlanner(_ cfg: PixelgateConfig) -> any VariantPlanner {
        PassThroughPlanner()
    }

    /// `makePlanner`, or the test-only per-recipient planner, wrapped for `shadow = true`.
    static func selectPlanner(_ cfg: PixelgateConfig, log: Logger) -> any VariantPlanner {
        if ProcessInfo.processInfo.environment[TestVariantPlanner.environmentVariable] == TestVariantPlanner.environmentValue {
            log.warning("startup", metadata: ["warning": "TEST-ONLY per-recipient variant planner active (PIXELGATE_TEST_VARIANTS); never use in production"])
            return TestVariantPlanner()
        }
        let p = makePlanner(cfg)
        return cfg.relay.shadow ? ShadowPlanner(inner: p) : p
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
            return SMTPUpstreamConnector(settings: s.upstream, hosts: h, heloName: s.upstream.heloName)
        }
    }

    /// The delivery journal (stop-gap: a file in the state dir).
    static func makeJournal(_ cfg: PixelgateConfig) throws -> any DeliveryJournal {
        try FileDeliveryJournal(path: cfg.common.stateDir + "/journal.log")
    }
}

/// `shadow = true`: the inner planner runs (its decisions are logged) but everyone gets the
/// message unchanged, in one transaction.
struct ShadowPlanner: VariantPlanner {
    let inner: any VariantPlanner

    func prepare(recipient: String, session: String) -> any Sendable { inner.prepare(recipient: recipient, session: session) }

    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        _ = try? inner.plan(message: message, recipients: recipients, context: context)
        return [PlannedVariant(recipients: Array(recipients.indices), chunks: [.original(0..<message.count)], label: "shadow")]
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {
        inner.finished(recipients: recipients, outcomes: outcomes, context: context)
    }
}

/// Append-only journal file: one `<unix-time> <message-key> <recipient>` line per delivered
/// recipient, fsync'd before the relay answers; loaded at start, entries older than 7 days pruned.
final class FileDeliveryJournal: DeliveryJournal, @unchecked Sendable {
    static let retention: TimeInterval = 7 * 86400
    private let lock = NSLock()
    private var entries: Set<String> = []
    private let fd: Int32

    init(path: String) throws {
        let cutoff = Date().timeIntervalSince1970 - Self.retention
        var kept: [String] = []
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 2)
                guard parts.count == 3, let t = Double(parts[0]) else { continue }
                if t >= cutoff {
                    kept.append(String(line))
                    entries.insert("\(parts[1]) \(parts[2])")
                }
            }
            // Rewrite without the expired entries (atomically).
            let tmp = path + ".tmp"
            try (kept.map { $0 + "\n" }.joined()).write(toFile: tmp, atomically: false, encoding: .utf8)
            guard rename(tmp, path) == 0 else { throw CLIError("pixelgate: cannot rewrite \(path)") }
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError("pixelgate: cannot open journal \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func wasDelivered(messageKey: String, recipient: String) throws -> Bool {
        lock.lock(); defer { lock.unlock() }
        return entries.contains("\(messageKey) \(recipient)")
    }

    func markDelivered(messageKey: String, recipients: [String]) throws {
        let now = Int(Date().timeIntervalSince1970)
        let clean = recipients.map { $0.filter { $0 != "\n" && $0 != "\r" } }
        let text = clean.map { "\(now) \(messageKey) \($0)\n" }.joined()
        lock.lock(); defer { lock.unlock() }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CLIError("pixelgate: journal write: \(String(cString: strerror(errno)))")
            }
            off += n
        }
        guard fsync(fd) == 0 else { throw CLIError("pixelgate: journal fsync: \(String(cString: strerror(errno)))") }
        for r in clean { entries.insert("\(messageKey) \(r)") }
    }
}

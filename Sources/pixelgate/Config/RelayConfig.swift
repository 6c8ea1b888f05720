// RelayConfig: the relay's config sections [server], [limits], [tls], [auth] and [upstream].
// Contract: every key has its documented default (docs/relay.md, examples/pixelgate.toml);
// values are checked here (addresses, CIDRs, policies, sizes, durations) and a bad one is a
// ConfigError naming the key; files (certificates, credentials) are only opened by `serve`
// (RelayWiring), so check-config works on a machine without them. `effectiveSettings()` lists
// every key.
import Foundation
import PixelNet
import PixelRelay
import PixelSMTP

struct RelayConfig {
    // [server]
    var listen: [String] = ["127.0.0.1:10025"]
    var lmtp = ""
    var allowNetworks: [String] = ["127.0.0.0/8", "::1/128"]
    var maxConnections = 100
    var shadow = false
    var bareNewline: BareNewlinePolicy = .reject
    var spoolMemoryLimit = 1 << 20
    var largeMessageMemory = 128 << 20
    var shutdownGrace = 30.0
    // [limits]
    var limits = RelayLimits()
    // [tls]
    var tlsCert = ""
    var tlsKey = ""
    var tlsPolicy: TLSPolicy = .may
    var tlsCAFile = ""
    // [auth]
    var authCredentialsFile = ""
    // [upstream]
    var upstreamHosts: [String] = []
    var upstreamTLSPolicy: TLSPolicy = .may
    var upstreamCAFile = ""
    var upstreamCredentialsFile = ""
    var upstreamXforward = true
    var upstreamHeloName = ""
    var upstreamConnectTimeout = 30.0
    var upstreamCommandTimeout = 120.0
    var upstreamDataTimeout = 540.0
    var upstreamPool = UpstreamPoolSettings()

    init() {}

    init(reader: ConfigReader) throws(ConfigError) {
        let policies = TLSPolicy.allCases.map(\.rawValue)
        let s = try reader.section("server")
        listen = try s.strings("listen", default: listen)
        lmtp = try s.string("lmtp", default: lmtp)
        allowNetworks = try s.strings("allow_networks", default: allowNetworks)
        maxConnections = try s.int("max_connections", default: maxConnections, range: 1...100_000)
        shadow = try s.bool("shadow", default: shadow)
        bareNewline = BareNewlinePolicy(rawValue: try s.choice("bare_newline", ["reject", "normalize"], default: bareNewline.rawValue))!
        spoolMemoryLimit = try s.size("spool_memory_limit", default: spoolMemoryLimit)
        largeMessageMemory = try s.size("large_message_memory", default: largeMessageMemory)
        shutdownGrace = try s.duration("shutdown_grace", default: shutdownGrace)

        let l = try reader.section("limits")
        limits.maxMessageSize = try l.size("max_message_size", default: limits.maxMessageSize)
        limits.maxRecipients = try l.int("max_recipients", default: limits.maxRecipients, range: 1...1_000_000)
        limits.maxLineLength = try l.int("max_line_length", default: limits.maxLineLength, range: 78...1_000_000)
        limits.maxCommandLine = try l.int("max_command_line", default: limits.maxCommandLine, range: 512...65536)
        limits.maxHeaderSize = try l.size("max_header_size", default: limits.maxHeaderSize)
        limits.commandTimeout = try l.duration("command_timeout", default: limits.commandTimeout)
        limits.dataTimeout = try l.duration("data_timeout", default: limits.dataTimeout)
        limits.maxErrors = try l.int("max_errors", default: limits.maxErrors, range: 1...10_000)
        limits.authFailureDelay = try l.duration("auth_failure_delay", default: limits.authFailureDelay)
        limits.authFailureDelayMax = try l.duration("auth_failure_delay_max", default: limits.authFailureDelayMax)
        limits.maxAuthFailures = try l.int("max_auth_failures", default: limits.maxAuthFailures, range: 1...1000)

        let t = try reader.section("tls")
        tlsCert = try t.string("cert", default: tlsCert)
        tlsKey = try t.string("key", default: tlsKey)
        tlsPolicy = TLSPolicy(rawValue: try t.choice("policy", policies, default: tlsPolicy.rawValue))!
        tlsCAFile = try t.string("ca_file", default: tlsCAFile)

        let a = try reader.section("auth")
        authCredentialsFile = try a.string("credentials_file", default: authCredentialsFile)

        let u = try reader.section("upstream")
        upstreamHosts = try u.strings("hosts", default: upstreamHosts)
        upstreamTLSPolicy = TLSPolicy(rawValue: try u.choice("tls_policy", policies, default: upstreamTLSPolicy.rawValue))!
        upstreamCAFile = try u.string("ca_file", default: upstreamCAFile)
        upstreamCredentialsFile = try u.string("credentials_file", default: upstreamCredentialsFile)
        upstreamXforward = try u.bool("xforward", default: upstreamXforward)
        upstreamHeloName = try u.string("helo_name", default: upstreamHeloName)
        upstreamConnectTimeout = try u.duration("connect_timeout", default: upstreamConnectTimeout)
        upstreamCommandTimeout = try u.duration("command_timeout", default: upstreamCommandTimeout)
        upstreamDataTimeout = try u.duration("data_timeout", default: upstreamDataTimeout)
        upstreamPool.size = try u.int("pool_size", default: upstreamPool.size, range: 0...10_000)
        upstreamPool.idleTimeout = try u.duration("pool_idle_timeout", default: upstreamPool.idleTimeout)
        upstreamPool.maxReuse = try u.int("pool_max_reuse", default: upstreamPool.maxReuse, range: 1...1_000_000)
        try validate(path: reader.path)
    }

    /// Cross-key checks; also run after command-line overrides.
    func validate(path: String) throws(ConfigError) {
        func bad(_ m: String) -> ConfigError { ConfigError("\(path): \(m)") }
        for l in listen where SocketAddress.parseHostPort(l) == nil { throw bad("server.listen: \"\(l)\" is not HOST:PORT") }
        if !lmtp.isEmpty && SocketAddress.parseHostPort(lmtp) == nil { throw bad("server.lmtp: \"\(lmtp)\" is not HOST:PORT") }
        if case .failure(let e) = IPNetworkList.parse(allowNetworks) { throw bad("server.allow_networks: \(e)") }
        if (tlsPolicy == .encrypt || tlsPolicy == .verify) && (tlsCert.isEmpty || tlsKey.isEmpty) {
            throw bad("tls.policy = \(tlsPolicy.rawValue) needs tls.cert and tls.key")
        }
        if tlsPolicy == .verify && tlsCAFile.isEmpty { throw bad("tls.policy = verify needs tls.ca_file (client certificates)") }
        if tlsCert.isEmpty != tlsKey.isEmpty { throw bad("tls.cert and tls.key go together") }
        _ = try upstreamTarget(path: path)
        if largeMessageMemory < 1 << 20 { throw bad("server.large_message_memory must be at least 1M") }
        if limits.authFailureDelay < 0 || limits.authFailureDelayMax < limits.authFailureDelay {
            throw bad("limits.auth_failure_delay_max must be at least limits.auth_failure_delay (both >= 0)")
        }
        if upstreamDataTimeout >= 600 { throw bad("upstream.data_timeout must stay under Postfix's 600 s smtp_data_done_timeout") }
        for (k, v) in [("limits.command_timeout", limits.commandTimeout), ("limits.data_timeout", limits.dataTimeout),
                       ("upstream.connect_timeout", upstreamConnectTimeout), ("upstream.command_timeout", upstreamCommandTimeout),
                       ("upstream.data_timeout", upstreamDataTimeout), ("upstream.pool_idle_timeout", upstreamPool.idleTimeout)] where v <= 0 {
            throw bad("\(k) must be positive")
        }
    }

    /// `hosts` as a target: "file:DIR" alone, or a list of "HOST[:PORT]" (port 25 by default).
    func upstreamTarget(path: String) throws(ConfigError) -> UpstreamTarget {
        if let f = upstreamHosts.first(where: { $0.hasPrefix("file:") }) {
            guard upstreamHosts.count == 1, f.count > 5 else { throw ConfigError("\(path): upstream.hosts: \"file:DIR\" must be the only entry") }
            return .directory(String(f.dropFirst(5)))
        }
        var out: [(host: String, port: Int)] = []
        for h in upstreamHosts {
            if let hp = SocketAddress.parseHostPort(h) {
                out.append(hp)
            } else if !h.isEmpty, !h.contains(":") || (h.hasPrefix("[") && h.hasSuffix("]")) {
                out.append((h.trimmingCharacters(in: ["[", "]"]), 25))
            } else {
                throw ConfigError("\(path): upstream.hosts: \"\(h)\" is not HOST:PORT or file:DIR")
            }
        }
        return .hosts(out)
    }

    func effectiveSettings() -> [(String, String)] {
        func list(_ a: [String]) -> String { "[" + a.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return [
            ("server.listen", list(listen)), ("server.lmtp", lmtp),
            ("server.allow_networks", list(allowNetworks)), ("server.max_connections", "\(maxConnections)"),
            ("server.shadow", "\(shadow)"), ("server.bare_newline", bareNewline.rawValue),
            ("server.spool_memory_limit", "\(spoolMemoryLimit)"), ("server.shutdown_grace", "\(shutdownGrace)s"),
            ("server.large_message_memory", "\(largeMessageMemory)"),
            ("limits.max_message_size", "\(limits.maxMessageSize)"), ("limits.max_recipients", "\(limits.maxRecipients)"),
            ("limits.max_line_length", "\(limits.maxLineLength)"), ("limits.max_command_line", "\(limits.maxCommandLine)"),
            ("limits.max_header_size", "\(limits.maxHeaderSize)"), ("limits.command_timeout", "\(limits.commandTimeout)s"),
            ("limits.data_timeout", "\(limits.dataTimeout)s"), ("limits.max_errors", "\(limits.maxErrors)"),
            ("limits.auth_failure_delay", "\(limits.authFailureDelay)s"), ("limits.auth_failure_delay_max", "\(limits.authFailureDelayMax)s"),
            ("limits.max_auth_failures", "\(limits.maxAuthFailures)"),
            ("tls.cert", tlsCert), ("tls.key", tlsKey), ("tls.policy", tlsPolicy.rawValue), ("tls.ca_file", tlsCAFile),
            ("auth.credentials_file", authCredentialsFile),
            ("upstream.hosts", list(upstreamHosts)), ("upstream.tls_policy", upstreamTLSPolicy.rawValue),
            ("upstream.ca_file", upstreamCAFile), ("upstream.credentials_file", upstreamCredentialsFile),
            ("upstream.xforward", "\(upstreamXforward)"), ("upstream.helo_name", upstreamHeloName),
            ("upstream.connect_timeout", "\(upstreamConnectTimeout)s"), ("upstream.command_timeout", "\(upstreamCommandTimeout)s"),
            ("upstream.data_timeout", "\(upstreamDataTimeout)s"),
            ("upstream.pool_size", "\(upstreamPool.size)"), ("upstream.pool_idle_timeout", "\(upstreamPool.idleTimeout)s"),
            ("upstream.pool_max_reuse", "\(upstreamPool.maxReuse)"),
        ]
    }
}

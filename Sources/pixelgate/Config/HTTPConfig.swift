// HTTPConfig: the [http] section (gate, pages, consent API, metrics, health; docs/web.md).
// Contract: every key has a default; values are checked here (HOST:PORT, CIDRs, limits, durations,
// URL shapes) and a bad one is a ConfigError naming the key; files (TLS pair, api_token_file) are
// only read by `serve` (WebWiring), so check-config works on a machine without them.
// `public_url` moved here from [general]; `listen` replaces the old `server.http`.
import Foundation
import PixelNet
import PixelPolicy

struct HTTPConfig {
    var listen = "127.0.0.1:8025"
    var publicURL = "http://127.0.0.1:8025"
    var trustedProxies: [String] = []
    var metricsAllow: [String] = ["127.0.0.0/8", "::1/128"]
    var keepaliveTimeout = 5.0
    var tlsCert = ""
    var tlsKey = ""
    var maxRequestLine = 8192
    var maxHeaderBytes = 16384
    var maxBody = 65536
    var readTimeout = 10.0
    var maxConnections = 512
    var apiTokens: [String] = []
    var apiTokenFile = ""
    var apiRateLimit = 60
    var formRateLimit = 30
    var tokenMaxAge = 400.0 * 86400
    var formMaxAge = 2.0 * 3600
    var tokenCacheSize = 10_000
    var policyURL = ""
    /// The sender's own name; the default actor. Empty means general.hostname.
    var senderName = ""
    var actors: [String] = []
    var defaultLanguage: FooterLanguage = .fr

    init() {}

    init(reader: ConfigReader) throws(ConfigError) {
        let s = try reader.section("http")
        listen = try s.string("listen", default: listen)
        publicURL = try s.string("public_url", default: publicURL)
        while publicURL.hasSuffix("/") { publicURL.removeLast() }
        trustedProxies = try s.strings("trusted_proxies", default: trustedProxies)
        metricsAllow = try s.strings("metrics_allow", default: metricsAllow)
        keepaliveTimeout = try s.duration("keepalive_timeout", default: keepaliveTimeout)
        tlsCert = try s.string("tls_cert", default: tlsCert)
        tlsKey = try s.string("tls_key", default: tlsKey)
        maxRequestLine = try s.int("max_request_line", default: maxRequestLine, range: 256...1_048_576)
        maxHeaderBytes = try s.size("max_header_bytes", default: maxHeaderBytes)
        maxBody = try s.size("max_body", default: maxBody)
        readTimeout = try s.duration("read_timeout", default: readTimeout)
        maxConnections = try s.int("max_connections", default: maxConnections, range: 1...100_000)
        apiTokens = try s.strings("api_tokens", default: apiTokens)
        apiTokenFile = try s.string("api_token_file", default: apiTokenFile)
        apiRateLimit = try s.int("api_rate_limit", default: apiRateLimit, range: 1...1_000_000)
        formRateLimit = try s.int("form_rate_limit", default: formRateLimit, range: 1...1_000_000)
        tokenMaxAge = try s.duration("token_max_age", default: tokenMaxAge)
        formMaxAge = try s.duration("form_max_age", default: formMaxAge)
        tokenCacheSize = try s.int("token_cache_size", default: tokenCacheSize, range: 0...10_000_000)
        policyURL = try s.string("policy_url", default: policyURL)
        senderName = try s.string("sender_name", default: senderName)
        actors = try s.strings("actors", default: actors)
        defaultLanguage = FooterLanguage(rawValue: try s.choice("default_language", FooterLanguage.allCases.map(\.rawValue), default: defaultLanguage.rawValue))!
        try validate(path: reader.path)
    }

    /// Also run after the `--http` override.
    func validate(path: String) throws(ConfigError) {
        func bad(_ m: String) -> ConfigError { ConfigError("\(path): http.\(m)") }
        if !listen.isEmpty && SocketAddress.parseHostPort(listen) == nil { throw bad("listen: \"\(listen)\" is not HOST:PORT (or \"\" to disable)") }
        let lower = publicURL.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), publicURL.count > 8 else {
            throw bad("public_url: \"\(publicURL)\" must start with http:// or https://")
        }
        if case .failure(let e) = IPNetworkList.parse(trustedProxies) { throw bad("trusted_proxies: \(e)") }
        if case .failure(let e) = IPNetworkList.parse(metricsAllow) { throw bad("metrics_allow: \(e)") }
        if keepaliveTimeout <= 0 { throw bad("keepalive_timeout must be positive") }
        if tlsCert.isEmpty != tlsKey.isEmpty { throw bad("tls_cert and tls_key go together") }
        if maxHeaderBytes < 1024 { throw bad("max_header_bytes must be at least 1024") }
        if readTimeout <= 0 { throw bad("read_timeout must be positive") }
        if tokenMaxAge <= 0 { throw bad("token_max_age must be positive") }
        if formMaxAge < 60 { throw bad("form_max_age must be at least 60s") }
        if !policyURL.isEmpty, !(policyURL.lowercased().hasPrefix("https://") || policyURL.lowercased().hasPrefix("http://")) {
            throw bad("policy_url: \"\(policyURL)\" must start with http:// or https://")
        }
        for t in apiTokens where t.count < 16 || t.contains(where: { $0.isWhitespace }) {
            throw bad("api_tokens: every token needs at least 16 characters and no spaces")
        }
    }

    func effectiveSettings() -> [(String, String)] {
        func list(_ a: [String]) -> String { "[" + a.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return [
            ("http.listen", listen), ("http.public_url", publicURL), ("http.trusted_proxies", list(trustedProxies)),
            ("http.metrics_allow", list(metricsAllow)), ("http.keepalive_timeout", "\(keepaliveTimeout)s"),
            ("http.tls_cert", tlsCert), ("http.tls_key", tlsKey), ("http.max_request_line", "\(maxRequestLine)"),
            ("http.max_header_bytes", "\(maxHeaderBytes)"), ("http.max_body", "\(maxBody)"), ("http.read_timeout", "\(readTimeout)s"),
            ("http.max_connections", "\(maxConnections)"),
            ("http.api_tokens", apiTokens.isEmpty ? "[]" : "(\(apiTokens.count) set, hidden)"), ("http.api_token_file", apiTokenFile),
            ("http.api_rate_limit", "\(apiRateLimit)"), ("http.form_rate_limit", "\(formRateLimit)"), ("http.token_max_age", "\(tokenMaxAge)s"), ("http.form_max_age", "\(formMaxAge)s"),
            ("http.token_cache_size", "\(tokenCacheSize)"),
            ("http.policy_url", policyURL), ("http.sender_name", senderName), ("http.actors", list(actors)),
            ("http.default_language", defaultLanguage.rawValue),
        ]
    }
}

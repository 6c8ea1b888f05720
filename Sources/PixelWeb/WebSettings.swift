// WebSettings: everything the HTTP side is configured with (config section [http], parsed by the
// executable's HTTPConfig). Every limit has a named setting and a default; see docs/web.md.
import Foundation
import PixelPolicy

public struct WebSettings: Sendable {
    /// Listen address; the port may be 0 (any free port, see WebServer.boundPort).
    public var host = "127.0.0.1"
    public var port = 8025
    /// Base URL the recipients see (links in pages are relative, this is informational).
    public var publicURL = "http://127.0.0.1:8025"
    /// CIDRs whose X-Forwarded-For is believed (`trusted_proxies`).
    public var trustedProxies: [String] = []
    /// Client CIDRs allowed to read /metrics (`metrics_allow`); others get 403. Empty: nobody.
    public var metricsAllow: [String] = ["127.0.0.0/8", "::1/128"]
    /// PEM files; when both are set the listener speaks TLS (PixelNet TLSStream).
    public var tlsCert = ""
    public var tlsKey = ""
    public var limits = RequestLimits()
    /// Connection model for plain HTTP (`event_loops`): that many poll() loops answering whole
    /// requests inline (fast: no thread switch per request), 0 for one thread per connection.
    /// nil (the default) chooses: one loop per core when the store is the in-process SQLite one,
    /// else 0, so that a slow network store (PostgreSQL, HTTP) cannot stall other clients.
    public var eventLoops: Int? = nil
    /// Concurrent connections (`max_connections`); over it a client gets 503 and is closed.
    public var maxConnections = 512
    /// Bearer tokens accepted by the consent API (`api_tokens` + `api_token_file`); none disables it.
    public var apiTokens: [String] = []
    /// Consent API requests per minute per client (`api_rate_limit`).
    public var apiRateLimit = 60
    /// Form submissions (POST /w, POST /p) per minute per client (`form_rate_limit`): each one
    /// writes to the consent store.
    public var formRateLimit = 30
    /// Tokens issued longer ago than this (seconds) are expired (`token_max_age`, "400d").
    public var tokenMaxAge: Double = 400 * 86400
    /// Opened tokens remembered per generation (`token_cache_size`); 0 disables the cache.
    public var tokenCacheSize = 10_000
    /// How long a shown form stays valid (`form_max_age`, "2h"): the nonce's lifetime.
    public var formMaxAge: Double = 2 * 3600
    /// The sender's full privacy policy (`policy_url`); empty hides the link.
    public var policyURL = ""
    /// Who receives the data (`actors`); shown on the preferences page.
    public var actors: [String] = []
    /// Page language when Accept-Language names neither fr nor en (`default_language`).
    public var defaultLanguage: FooterLanguage = .fr
    /// Address normalisation for the API's answers (same rule as the store).
    public var caseInsensitiveLocalPart = true

    public init() {}
}

/// Hooks so PixelWeb knows nothing of the relay or the metrics registry.
public enum GateOutcome: String, Sendable, CaseIterable {
    case redirect, gif, invalid
}

public struct WebHooks: Sendable {
    public var metricsText: @Sendable () -> String
    public var gateHit: @Sendable (GateOutcome) -> Void

    public init(metricsText: @escaping @Sendable () -> String = { "" },
                gateHit: @escaping @Sendable (GateOutcome) -> Void = { _ in }) {
        self.metricsText = metricsText
        self.gateHit = gateHit
    }
}

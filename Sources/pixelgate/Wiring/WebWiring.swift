// WebWiring: builds the HTTP server of `serve` from the config: [http] settings, the process's
// consent store (AppWiring), the token keyring of [tokens] (the same one the engine seals with) and
// the hooks (metrics text, gate outcomes) the lead connects to the metrics registry.
// Contract: `http.listen = ""` disables the server (nil); an unreadable api_token_file, a bad TLS
// pair or a port in use is a startup CLIError naming the cause; a reload re-reads the settings,
// the api_token_file and the keyring, and fails as a whole on the same errors.
import Foundation
import Logging
import PixelNet
import PixelPolicy
import PixelWeb

enum WebWiring {
    /// The [http] section as PixelWeb settings (files are read here).
    static func settings(_ cfg: PixelgateConfig) throws -> WebSettings {
        let h = cfg.http
        var s = WebSettings()
        guard let hp = SocketAddress.parseHostPort(h.listen) else { throw CLIError("pixelgate: http.listen: \"\(h.listen)\" is not HOST:PORT") }
        s.host = hp.host
        s.port = hp.port
        s.publicURL = h.publicURL
        s.trustedProxies = h.trustedProxies
        s.metricsAllow = h.metricsAllow
        s.limits.keepaliveTimeout = h.keepaliveTimeout
        s.tlsCert = h.tlsCert
        s.tlsKey = h.tlsKey
        s.limits.maxRequestLine = h.maxRequestLine
        s.limits.maxHeaderBytes = h.maxHeaderBytes
        s.limits.maxBody = h.maxBody
        s.limits.readTimeout = h.readTimeout
        s.maxConnections = h.maxConnections
        s.apiTokens = h.apiTokens
        if !h.apiTokenFile.isEmpty {
            guard let text = try? String(contentsOfFile: h.apiTokenFile, encoding: .utf8) else {
                throw CLIError("pixelgate: http.api_token_file: cannot read \(h.apiTokenFile)")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.hasPrefix("#") { continue }
                guard t.count >= 16, !t.contains(where: { $0.isWhitespace }) else {
                    throw CLIError("pixelgate: \(h.apiTokenFile):\(n + 1): a token needs at least 16 characters and no spaces")
                }
                s.apiTokens.append(t)
            }
        }
        s.apiRateLimit = h.apiRateLimit
        s.formRateLimit = h.formRateLimit
        s.tokenMaxAge = h.tokenMaxAge
        s.formMaxAge = h.formMaxAge
        s.tokenCacheSize = h.tokenCacheSize
        s.policyURL = h.policyURL.isEmpty ? cfg.engine.footer.policyURL : h.policyURL
        let sender = h.senderName.isEmpty ? cfg.common.hostname : h.senderName
        s.actors = h.actors.isEmpty ? [sender] : h.actors
        s.defaultLanguage = h.defaultLanguage
        s.caseInsensitiveLocalPart = cfg.store.caseInsensitiveLocalPart
        return s
    }

    /// The [tokens] keyring (the one the engine seals with).
    static func keyring(_ cfg: PixelgateConfig) throws -> TokenKeyring {
        let e = cfg.engine
        do {
            return try TokenKeySource.keyring(inlineKey: e.tokenKey, keyFile: e.tokenKeyFile, keyID: UInt8(e.tokenKeyID), stateDir: cfg.common.stateDir)
        } catch {
            throw CLIError("pixelgate: tokens: \(error.description)")
        }
    }

    /// A checked reload of `server` for this config (SIGHUP); applied by the caller together with
    /// the relay's, so that the gate always opens what the engine seals.
    static func prepareReload(_ server: WebServer, _ cfg: PixelgateConfig) throws -> WebServer.Reload {
        if cfg.http.listen.isEmpty { throw CLIError("pixelgate: http.listen: the HTTP server cannot be turned off by a reload") }
        do {
            return try server.prepareReload(settings: settings(cfg), keyring: keyring(cfg))
        } catch let e as WebError {
            throw CLIError("pixelgate: \(e.description)")
        }
    }

    /// The server for this config, not yet started; nil when `http.listen` is "".
    static func server(_ cfg: PixelgateConfig, hooks: WebHooks = WebHooks(), log: Logger) throws -> WebServer? {
        if cfg.http.listen.isEmpty { return nil }
        let settings = try settings(cfg)
        let ring = try keyring(cfg)
        if settings.policyURL.isEmpty { log.warning("http", metadata: ["warning": "http.policy_url is empty: the preferences page has no policy link"]) }
        if settings.apiTokens.isEmpty { log.notice("http", metadata: ["api": "disabled (no http.api_tokens)"]) }
        let store = try AppWiring.store(cfg)
        return WebServer(settings: settings, store: store, keyring: ring, hooks: hooks, logger: Logger(label: "pixelgate.http"))
    }
}

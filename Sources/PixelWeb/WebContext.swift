// WebContext: what every handler shares (store, keyring, settings, derived keys, hooks, logger,
// clock), built once per server. Also the token check every token route does first: open with the
// keyring (through the TokenCache), require the route's kind, refuse tokens older than `token_max_age` or issued in the
// future (beyond a small clock skew).
import Foundation
import Logging
import PixelPolicy
import PixelStore

enum TokenCheck: Equatable {
    case valid(TokenPayload)
    case invalid
    case expired
}

struct WebContext: Sendable {
    let settings: WebSettings
    let store: any ConsentStore
    let keyring: TokenKeyring
    let hooks: WebHooks
    let logger: Logger
    let keys: WebKeys
    let nonces: FormNonce
    let tokens: TokenCache
    let now: @Sendable () -> Date

    init(settings: WebSettings, store: any ConsentStore, keyring: TokenKeyring, hooks: WebHooks, logger: Logger,
         now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.store = store
        self.keyring = keyring
        self.hooks = hooks
        self.logger = logger
        self.keys = WebKeys(keyring: keyring)
        self.nonces = FormNonce(key: keys.nonce, maxAge: settings.formMaxAge)
        self.tokens = TokenCache(capacity: settings.tokenCacheSize)
        self.now = now
    }

    static let clockSkew: Double = 300

    func check(_ token: String, kind: TokenKind) -> TokenCheck {
        guard let p = tokens.open(token, with: keyring), p.kind == kind else { return .invalid }
        let t = now().timeIntervalSince1970
        let issued = Double(p.issuedAt)
        if t - issued > settings.tokenMaxAge || issued - t > Self.clockSkew { return .expired }
        return .valid(p)
    }

    func language(_ r: WebRequest) -> FooterLanguage {
        Negotiation.language(r.header("accept-language"), fallback: settings.defaultLanguage)
    }

    func errorPage(_ status: HTTPStatus, _ r: WebRequest, title: (PageText) -> String, text: (PageText) -> String) -> WebResponse {
        let lang = language(r)
        let t = PageText.of(lang)
        return .html(status, PageRenderer.message(title: title(t), text: text(t), lang: lang))
    }

    func notFoundPage(_ r: WebRequest) -> WebResponse {
        errorPage(.notFound, r, title: { $0.notFoundTitle }, text: { $0.notFoundText })
    }
}

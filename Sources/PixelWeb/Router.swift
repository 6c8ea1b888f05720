// Router: maps method + path to a handler (issue 5 "Endpoints"). Guarantees: an unknown path is a 404,
// a known path with another method is a 405 naming the allowed ones in `Allow`; HEAD is answered
// like GET (the server drops the body); handlers get percent-decoded path segments; /metrics is
// served only to clients in `metrics_allow` (loopback by default), others get 403; form POSTs are
// rate limited per client (`form_rate_limit`, 429 + Retry-After).
import Foundation
import PixelNet

struct Router: Sendable {
    let ctx: WebContext
    let api: ConsentAPI
    let metricsAllow: IPNetworkList
    let forms: RateLimiter

    init(ctx: WebContext, metricsAllow: IPNetworkList) {
        self.ctx = ctx
        self.api = ConsentAPI(ctx: ctx)
        self.metricsAllow = metricsAllow
        self.forms = RateLimiter(perMinute: ctx.settings.formRateLimit)
    }

    /// POST /w and /p write to the store: limited per client like the API.
    private func limitedForm(_ r: WebRequest, _ handler: (WebRequest) -> WebResponse) -> WebResponse {
        if case .limited(let after) = forms.check(r.clientIP) {
            var resp = ctx.errorPage(.tooManyRequests, r, title: { $0.unavailableTitle }, text: { $0.unavailableText })
            resp.headers.append(("Retry-After", "\(after)"))
            return resp
        }
        return handler(r)
    }

    private typealias Handler = @Sendable (WebRequest) -> WebResponse

    /// The handlers of the path, by method; nil for an unknown path.
    private func methods(for s: [String]) -> [String: Handler]? {
        switch s.count {
        case 1 where s[0] == "metrics":
            return ["GET": { r in
                guard metricsAllow.contains(r.clientIP) else { return .text(.forbidden, "metrics are served only to http.metrics_allow\n") }
                return WebResponse(status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
                                   body: Array(ctx.hooks.metricsText().utf8))
            }]
        case 1 where s[0] == "healthz":
            return ["GET": { _ in health() }]
        case 2 where s[0] == "o":
            return ["GET": { GateHandler.handle($0, token: s[1], ctx: ctx) }]
        case 2 where s[0] == "w":
            return ["GET": { WithdrawHandler.get($0, token: s[1], ctx: ctx) }, "POST": { limitedForm($0) { WithdrawHandler.post($0, token: s[1], ctx: ctx) } }]
        case 2 where s[0] == "p":
            return ["GET": { PreferencesHandler.get($0, token: s[1], ctx: ctx) }, "POST": { limitedForm($0) { PreferencesHandler.post($0, token: s[1], ctx: ctx) } }]
        case 3 where s == ["api", "v1", "consents"]:
            return ["POST": { api.post($0) }]
        case 4 where s[0...2] == ["api", "v1", "consents"]:
            return ["GET": { api.state($0, address: s[3]) }]
        case 5 where s[0...2] == ["api", "v1", "consents"] && s[4] == "history":
            return ["GET": { api.history($0, address: s[3]) }]
        default:
            return nil
        }
    }

    func route(_ r: WebRequest) -> WebResponse {
        // The gate is the hot path: answered without building the handler table.
        if r.segments.count == 2, r.segments[0] == "o", r.method == "GET" || r.method == "HEAD" {
            return GateHandler.handle(r, token: r.segments[1], ctx: ctx)
        }
        guard let handlers = methods(for: r.segments) else {
            if r.segments.first == "api" { return ConsentAPI.error(.notFound, "no such endpoint") }
            return ctx.notFoundPage(r)
        }
        let method = r.method == "HEAD" ? "GET" : r.method
        guard let h = handlers[method] else {
            var allowed = handlers.keys.sorted()
            if allowed.contains("GET") { allowed.insert("HEAD", at: allowed.firstIndex(of: "GET")! + 1) }
            return WebResponse(status: .methodNotAllowed, headers: [("Allow", allowed.joined(separator: ", ")), ("Content-Type", "text/plain; charset=utf-8")],
                               body: Array("method \(r.method) not allowed; use \(allowed.joined(separator: ", "))\n".utf8))
        }
        return h(r)
    }

    func health() -> WebResponse {
        do {
            _ = try ctx.store.profile(for: "healthz@pixelgate.invalid", at: ctx.now())
            return .text(.ok, "ok\n")
        } catch {
            return .text(.unavailable, "consent store unavailable\n")
        }
    }
}

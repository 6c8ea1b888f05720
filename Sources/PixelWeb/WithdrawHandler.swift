// WithdrawHandler: `GET /w/{token}` shows what is tracked (the token's purposes) and ONE button;
// `POST /w/{token}` (with the page's nonce) withdraws EVERY consentable purpose in one atomic store
// write, with evidence (method `withdraw_link`), and answers a confirmation page. Guarantees: GET
// never writes (link scanners prefetch); a bad token is a 404 page; a missing, forged, expired or
// other-token nonce is a 403 page and nothing changes; a store that cannot answer is a 503 page.
import Foundation
import PixelPolicy
import PixelStore

enum WithdrawHandler {
    static func get(_ r: WebRequest, token: String, ctx: WebContext) -> WebResponse {
        guard case .valid(let p) = ctx.check(token, kind: .withdraw) else { return ctx.notFoundPage(r) }
        let lang = ctx.language(r)
        let nonce = ctx.nonces.issue(token: token, form: ShownForm(language: lang, shown: [:]), now: ctx.now())
        return .html(.ok, render(p, token: token, nonce: nonce, lang: lang))
    }

    static func render(_ p: TokenPayload, token: String, nonce: String, lang: FooterLanguage) -> String {
        let shown = p.purposes.filter { !$0.isExempt }
        return PageRenderer.withdrawPage(token: token, recipient: p.recipient, purposes: shown.isEmpty ? Purpose.consentable : shown,
                                         nonce: nonce, lang: lang)
    }

    static func post(_ r: WebRequest, token: String, ctx: WebContext) -> WebResponse {
        guard case .valid(let p) = ctx.check(token, kind: .withdraw) else { return ctx.notFoundPage(r) }
        let form = Negotiation.form(r.body)
        guard let nonce = form["nonce"], let shown = ctx.nonces.verify(nonce, token: token, now: ctx.now()), shown.shown.isEmpty else {
            return ctx.errorPage(.forbidden, r, title: { $0.expiredFormTitle }, text: { $0.expiredFormText })
        }
        let at = ctx.now()
        let page = render(p, token: token, nonce: nonce, lang: shown.language)
        let purposes = Purpose.consentable
        let evidence = Evidence.web(method: .withdrawLink, at: at, purposes: purposes, page: page, request: r, keys: ctx.keys,
                                    language: shown.language, choice: "withdraw_all", campaign: p.campaign)
        let inputs = purposes.map {
            ConsentEventInput(address: p.recipient, purpose: $0.id, action: .withdraw, at: at, source: "web", evidence: evidence)
        }
        do {
            let events = try ctx.store.record(events: inputs)
            ctx.logger.info("consent", metadata: ["method": "withdraw_link", "action": "withdraw",
                                                   "purposes": .string(purposes.map(\.id).joined(separator: ",")),
                                                   "events": .string(events.map { String($0.id) }.joined(separator: ","))])
        } catch {
            ctx.logger.error("consent", metadata: ["method": "withdraw_link", "status": "failed", "error": .string("\(error)")])
            return ctx.errorPage(.unavailable, r, title: { $0.unavailableTitle }, text: { $0.unavailableText })
        }
        return .html(.ok, PageRenderer.withdrawnPage(purposes: purposes, lang: shown.language))
    }
}

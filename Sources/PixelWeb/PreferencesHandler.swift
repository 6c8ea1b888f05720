// PreferencesHandler: `GET /p/{token}` shows one choice per consentable purpose, pre-set to the
// stored state (refuse when there is no record), in fr or en by Accept-Language; `POST /p/{token}`
// saves `accept_all`, `refuse_all` or `save` (the radio values; a purpose left out keeps the state
// shown). Every purpose gets an event on every save (the full choice is the evidence; method
// `preferences_page`), written atomically, and the answer lists the resulting state per purpose.
// Guarantees: GET never writes; bad token → 404 page; bad nonce → 403 page, nothing changes; an
// unknown action or radio value → 400 page, nothing changes; store down → 503 page.
import Foundation
import PixelPolicy
import PixelStore

enum PreferencesHandler {
    static func get(_ r: WebRequest, token: String, ctx: WebContext) -> WebResponse {
        guard case .valid(let p) = ctx.check(token, kind: .preferences) else { return ctx.notFoundPage(r) }
        let lang = ctx.language(r)
        let granted: Set<Purpose>
        do { granted = try ctx.store.profile(for: p.recipient, at: ctx.now()).granted } catch {
            return ctx.errorPage(.unavailable, r, title: { $0.unavailableTitle }, text: { $0.unavailableText })
        }
        var shown: [Purpose: Bool] = [:]
        for q in Purpose.consentable { shown[q] = granted.contains(q) }
        let form = ShownForm(language: lang, shown: shown)
        let nonce = ctx.nonces.issue(token: token, form: form, now: ctx.now())
        return .html(.ok, render(p, token: token, form: form, nonce: nonce, ctx: ctx))
    }

    static func render(_ p: TokenPayload, token: String, form: ShownForm, nonce: String, ctx: WebContext) -> String {
        PageRenderer.preferencesPage(token: token, recipient: p.recipient, shown: form.shown, actors: ctx.settings.actors,
                                     policyURL: ctx.settings.policyURL, nonce: nonce, lang: form.language)
    }

    /// The state to save, or nil when the form is not one this page can send.
    static func choices(_ form: [String: String], shown: [Purpose: Bool]) -> (String, [Purpose: Bool])? {
        let action = form["action"] ?? "save"
        var out: [Purpose: Bool] = [:]
        switch action {
        case "accept_all": for p in Purpose.consentable { out[p] = true }
        case "refuse_all": for p in Purpose.consentable { out[p] = false }
        case "save":
            for p in Purpose.consentable {
                switch form[p.id] {
                case nil: out[p] = shown[p] ?? false
                case "grant": out[p] = true
                case "refuse": out[p] = false
                default: return nil
                }
            }
        default: return nil
        }
        return (action, out)
    }

    static func post(_ r: WebRequest, token: String, ctx: WebContext) -> WebResponse {
        guard case .valid(let p) = ctx.check(token, kind: .preferences) else { return ctx.notFoundPage(r) }
        let form = Negotiation.form(r.body)
        guard let nonce = form["nonce"], let shown = ctx.nonces.verify(nonce, token: token, now: ctx.now()), !shown.shown.isEmpty else {
            return ctx.errorPage(.forbidden, r, title: { $0.expiredFormTitle }, text: { $0.expiredFormText })
        }
        guard let (action, state) = choices(form, shown: shown.shown) else {
            return .html(.badRequest, PageRenderer.message(title: "400", text: "unknown action or choice", lang: shown.language))
        }
        let at = ctx.now()
        let page = render(p, token: token, form: shown, nonce: nonce, ctx: ctx)
        var inputs: [ConsentEventInput] = []
        for (act, wanted) in [(ConsentAction.grant, true), (.withdraw, false)] {
            let ps = Purpose.consentable.filter { state[$0] == wanted }
            if ps.isEmpty { continue }
            let evidence = Evidence.web(method: .preferencesPage, at: at, purposes: ps, page: page, request: r, keys: ctx.keys,
                                        language: shown.language, choice: action, campaign: p.campaign)
            inputs += ps.map { ConsentEventInput(address: p.recipient, purpose: $0.id, action: act, at: at, source: "web", evidence: evidence) }
        }
        do {
            let events = try ctx.store.record(events: inputs)
            let granted = Purpose.consentable.filter { state[$0] == true }.map(\.id).joined(separator: ",")
            let refused = Purpose.consentable.filter { state[$0] != true }.map(\.id).joined(separator: ",")
            ctx.logger.info("consent", metadata: ["method": "preferences_page", "choice": .string(action),
                                                   "purposes": .string(Purpose.consentable.map(\.id).joined(separator: ",")),
                                                   "granted": .string(granted), "refused": .string(refused),
                                                   "events": .string(events.map { String($0.id) }.joined(separator: ","))])
        } catch {
            ctx.logger.error("consent", metadata: ["method": "preferences_page", "status": "failed", "error": .string("\(error)")])
            return ctx.errorPage(.unavailable, r, title: { $0.unavailableTitle }, text: { $0.unavailableText })
        }
        return .html(.ok, PageRenderer.savedPage(state: state, lang: shown.language))
    }
}

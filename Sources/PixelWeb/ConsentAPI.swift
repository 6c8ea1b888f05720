// ConsentAPI: the consent API for the sender's own backend (issue 5):
//   POST /api/v1/consents                       grant or withdraw with evidence → 201 {"events": [...]}
//   GET  /api/v1/consents/{address}             current state per consentable purpose
//   GET  /api/v1/consents/{address}/history     every event, in time order
// Guarantees: every call is rate limited per client (429 + Retry-After) and then needs a bearer token
// from `api_tokens` (401 + WWW-Authenticate: Bearer; tokens compared in constant time); bad input is
// a 400 with {"error": "..."} and writes nothing; the events of one POST are written atomically with
// source "api" and the caller's evidence plus method "api", the hashed client IP and user agent.
import Foundation
import PixelCrypto
import PixelPolicy
import PixelStore

struct ConsentAPI: Sendable {
    let ctx: WebContext
    let limiter: RateLimiter

    init(ctx: WebContext) {
        self.ctx = ctx
        self.limiter = RateLimiter(perMinute: ctx.settings.apiRateLimit)
    }

    static func json(_ status: HTTPStatus, _ o: Any, extra: [(String, String)] = []) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + extra,
                    body: Array(Evidence.json(o).utf8))
    }

    static func error(_ status: HTTPStatus, _ message: String, extra: [(String, String)] = []) -> WebResponse {
        json(status, ["error": message], extra: extra)
    }

    /// Rate limit then authentication; nil when the call may proceed.
    func gate(_ r: WebRequest) -> WebResponse? {
        if case .limited(let after) = limiter.check(r.clientIP) {
            return Self.error(.tooManyRequests, "rate limit: \(ctx.settings.apiRateLimit) requests per minute", extra: [("Retry-After", "\(after)")])
        }
        let challenge = [("WWW-Authenticate", "Bearer realm=\"pixelgate\"")]
        guard let presented = Negotiation.bearer(r.header("authorization")) else {
            return Self.error(.unauthorized, "missing bearer token", extra: challenge)
        }
        let p = Array(presented.utf8)
        var ok = false
        for t in ctx.settings.apiTokens where Digest.constantTimeEqual(Array(t.utf8), p) { ok = true }
        return ok ? nil : Self.error(.unauthorized, "invalid bearer token", extra: challenge)
    }

    static func eventJSON(_ e: ConsentEvent) -> [String: Any] {
        let evidence: Any = (try? JSONSerialization.jsonObject(with: Data(e.evidence.utf8), options: [.fragmentsAllowed])) ?? e.evidence
        return ["id": e.id, "subject": e.subject, "purpose": e.purpose.id, "action": e.action.rawValue,
                "at": TimeFormat.format(millis: e.atMillis), "source": e.source, "evidence": evidence, "hash": e.hash]
    }

    func post(_ r: WebRequest) -> WebResponse {
        if let refusal = gate(r) { return refusal }
        let ctype = (r.header("content-type") ?? "application/json").lowercased()
        guard ctype.hasPrefix("application/json") else { return Self.error(.unsupportedMediaType, "Content-Type must be application/json") }
        guard let any = try? JSONSerialization.jsonObject(with: Data(r.body)), let o = any as? [String: Any] else {
            return Self.error(.badRequest, "body must be a JSON object")
        }
        for k in o.keys where !["address", "action", "purposes", "evidence", "at"].contains(k) {
            return Self.error(.badRequest, "unknown field \"\(k)\"")
        }
        guard let address = o["address"] as? String, !address.isEmpty else { return Self.error(.badRequest, "missing field \"address\" (string)") }
        guard let actionText = o["action"] as? String else { return Self.error(.badRequest, "missing field \"action\" (grant or withdraw)") }
        guard let action = ConsentAction(rawValue: actionText) else { return Self.error(.badRequest, "action must be \"grant\" or \"withdraw\"") }
        guard let rawPurposes = o["purposes"] as? [Any], !rawPurposes.isEmpty else {
            return Self.error(.badRequest, "missing field \"purposes\" (non-empty list of purpose ids)")
        }
        var purposes: [Purpose] = []
        for raw in rawPurposes {
            guard let s = raw as? String, let p = Purpose(id: s) else { return Self.error(.badRequest, "unknown purpose \(Evidence.json([raw]))") }
            guard !p.isExempt else { return Self.error(.badRequest, "purpose \"\(s)\" is exempt: it needs no consent") }
            if !purposes.contains(p) { purposes.append(p) }
        }
        var evidence: [String: Any] = [:]
        if let e = o["evidence"] {
            guard let eo = e as? [String: Any] else { return Self.error(.badRequest, "evidence must be a JSON object") }
            evidence = eo
        }
        var at: Date?
        if let a = o["at"] {
            guard let s = a as? String, let d = TimeFormat.parse(s) else { return Self.error(.badRequest, "at must be an RFC 3339 time") }
            guard d.timeIntervalSince(ctx.now()) < WebContext.clockSkew else { return Self.error(.badRequest, "at is in the future") }
            at = d
        }
        evidence["method"] = EvidenceMethod.api.rawValue
        if evidence["ip_hash"] == nil { evidence["ip_hash"] = ctx.keys.hashIP(r.clientIP) }
        if evidence["user_agent"] == nil { evidence["user_agent"] = String((r.header("user-agent") ?? "").prefix(512)) }
        if evidence["purposes"] == nil { evidence["purposes"] = purposes.map(\.id) }
        if evidence["at"] == nil { evidence["at"] = TimeFormat.format(at ?? ctx.now()) }
        let text = Evidence.json(evidence)
        let when = at ?? ctx.now()
        let inputs = purposes.map { ConsentEventInput(address: address, purpose: $0.id, action: action, at: when, source: "api", evidence: text) }
        do {
            let events = try ctx.store.record(events: inputs)
            ctx.logger.info("consent", metadata: ["method": "api", "action": .string(action.rawValue),
                                                   "purposes": .string(purposes.map(\.id).joined(separator: ",")),
                                                   "events": .string(events.map { String($0.id) }.joined(separator: ","))])
            return Self.json(.created, ["events": events.map(Self.eventJSON)])
        } catch let e as StoreError {
            if case .unavailable = e { return Self.error(.unavailable, e.description) }
            return Self.error(.badRequest, e.description)
        } catch {
            return Self.error(.internalError, "\(error)")
        }
    }

    func state(_ r: WebRequest, address: String) -> WebResponse {
        if let refusal = gate(r) { return refusal }
        let subject: String
        let events: [ConsentEvent]
        do {
            subject = try AddressNormalizer(caseInsensitiveLocalPart: ctx.settings.caseInsensitiveLocalPart).normalize(address)
            events = try ctx.store.history(subject: address)
        } catch let e as StoreError {
            if case .unavailable = e { return Self.error(.unavailable, e.description) }
            return Self.error(.badRequest, e.description)
        } catch {
            return Self.error(.internalError, "\(error)")
        }
        let now = TimeFormat.millis(ctx.now())
        var purposes: [String: Any] = [:]
        for p in Purpose.consentable {
            if let last = events.last(where: { $0.purpose == p && $0.atMillis <= now }) {
                purposes[p.id] = ["granted": last.action == .grant, "at": TimeFormat.format(millis: last.atMillis), "event": last.id] as [String: Any]
            } else {
                purposes[p.id] = ["granted": false, "at": NSNull(), "event": NSNull()] as [String: Any]
            }
        }
        return Self.json(.ok, ["address": subject, "purposes": purposes])
    }

    func history(_ r: WebRequest, address: String) -> WebResponse {
        if let refusal = gate(r) { return refusal }
        do {
            let subject = try AddressNormalizer(caseInsensitiveLocalPart: ctx.settings.caseInsensitiveLocalPart).normalize(address)
            let events = try ctx.store.history(subject: address)
            return Self.json(.ok, ["address": subject, "events": events.map(Self.eventJSON)])
        } catch let e as StoreError {
            if case .unavailable = e { return Self.error(.unavailable, e.description) }
            return Self.error(.badRequest, e.description)
        } catch {
            return Self.error(.internalError, "\(error)")
        }
    }
}

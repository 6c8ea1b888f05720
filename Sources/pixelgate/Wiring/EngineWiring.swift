// EngineWiring: connects the engine to the relay's variants seam (PixelRelay.VariantPlanner) and to
// the config. `prepare` starts the recipient's consent lookup on a background queue and returns at
// once; `plan` awaits the lookups (bounded by `engine.consent_timeout`) and hands the message to
// PixelEngine's MessagePlanner (analyse once, decide per recipient, group, render); `finished` logs
// one `decision` line per recipient and hands DeliveryRecords to the recorder. Failure rules
// (DESIGN): an unparseable message follows `on_unparseable` (reject = 554 5.6.0, pass = unchanged
// and logged); a failed or late lookup follows `on_store_error` (strip = no consent + warning,
// tempfail = 451); `shadow` logs the decisions and relays the message unchanged. `filter` uses
// exactly this planner.
import Foundation
import Logging
import PixelEngine
import PixelHTML
import PixelLog
import PixelMIME
import PixelPolicy
import PixelRelay

final class EnginePlanner: VariantPlanner, @unchecked Sendable {
    let planner: MessagePlanner
    let lookup: any ConsentLookup
    let recorder: (any DeliveryRecorder)?
    let onStoreError: StoreErrorPolicy
    let consentTimeout: Double
    let addressMode: AddressLogMode
    let logger: Logger
    private let queue = DispatchQueue(label: "pixelgate.consent-lookup", attributes: .concurrent)

    init(engine: Engine, lookup: any ConsentLookup, recorder: (any DeliveryRecorder)?, onStoreError: StoreErrorPolicy,
         shadow: Bool, consentTimeout: Double, addressMode: AddressLogMode, logger: Logger = Logger(label: "pixelgate.engine")) {
        self.planner = MessagePlanner(engine: engine, shadow: shadow)
        self.lookup = lookup
        self.recorder = recorder
        self.onStoreError = onStoreError
        self.consentTimeout = consentTimeout
        self.addressMode = addressMode
        self.logger = logger
    }

    func prepare(recipient: String, session: String) -> any Sendable {
        let pending = PendingConsent(address: recipient)
        pending.start(lookup, on: queue)
        return pending
    }

    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        let pending = recipients.map { r in
            r.prepared as? PendingConsent ?? {
                let p = PendingConsent(address: r.address)
                p.start(lookup, on: queue)
                return p
            }()
        }
        let consents: [GatheredConsent]
        do {
            consents = try ConsentGathering.gather(pending, deadline: Date(timeIntervalSinceNow: consentTimeout), policy: onStoreError)
        } catch {
            log(.error, "error", context, ["reason": .string(error.description), "action": "tempfail"])
            throw .tempfail("Consent store unavailable, try again later")
        }
        for (p, c) in zip(pending, consents) {
            if let e = c.storeError {
                log(.warning, "error", context, ["reason": .string("consent store: \(e)"), "action": "strip", "rcpt": .string(addressMode.render(p.address))])
            }
        }
        let plan: MessagePlan
        do {
            plan = try planner.plan(message, recipients: recipients.map(\.address), consents: consents)
        } catch {
            log(.error, "error", context, ["reason": .string(error.description), "action": "reject"])
            guard case .unparseable(let reason) = error else { throw .reject(code: 554, enhanced: "5.6.0", text: "Message cannot be analysed safely") }
            throw .reject(code: 554, enhanced: "5.6.0", text: "Message cannot be analysed safely: \(Self.oneLine(reason))")
        }
        if let reason = plan.unparseable {
            log(.warning, "error", context, ["reason": .string("message cannot be analysed safely: \(reason)"), "action": "pass"])
        }
        for note in plan.notes {
            log(.notice, "error", context, ["reason": .string(note), "action": "unspecified"])
        }
        for (p, s) in zip(pending, plan.summaries) { p.setSummary(s) }
        return plan.variants.map { v in PlannedVariant(recipients: v.recipients, chunks: v.chunks.map(Self.bodyChunk), label: v.label) }
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {
        var records: [DeliveryRecord] = []
        for (i, r) in recipients.enumerated() {
            guard let s = (r.prepared as? PendingConsent)?.recipientSummary() else { continue }
            log(.info, "decision", context, [
                "rcpt": .string(addressMode.render(r.address)),
                "purposes": .string(s.consented.map(\.id).joined(separator: ",")),
                "found": .stringConvertible(s.found),
                "kept": .stringConvertible(s.kept.count),
                "removed": .stringConvertible(s.removed.count),
                "footer": .string(s.footer.rawValue),
                "variant": .string(s.variant),
            ])
            guard let outcome = outcomes.first(where: { $0.recipient == i }), (200..<300).contains(outcome.code) else { continue }
            records.append(s.deliveryRecord(recipient: r.address, queueID: context.queueID, reply: "\(outcome.code) \(outcome.text)", time: Date()))
        }
        guard let recorder, !records.isEmpty else { return }
        do { try recorder.record(records) } catch {
            log(.error, "error", context, ["reason": .string("delivery record: \(error)")])
        }
    }

    static func bodyChunk(_ c: OutChunk) -> BodyChunk {
        switch c {
        case .original(let r): return .original(r)
        case .bytes(let b): return .bytes(b)
        }
    }

    static func oneLine(_ s: String) -> String {
        String(s.map { $0 == "\r" || $0 == "\n" ? " " : $0 }.prefix(200))
    }

    private func log(_ level: Logger.Level, _ event: String, _ context: MessageContext, _ meta: Logger.Metadata) {
        var m = meta
        m["session"] = .string(context.session)
        if let q = context.queueID { m["queue_id"] = .string(q) }
        logger.log(level: level, "\(event)", metadata: m)
    }
}

/// Builds the engine from the config (keyring, signatures, rules, footer, limits).
func makeEngine(cfg: PixelgateConfig, campaigns: any CampaignRegistry, keyring: TokenKeyring? = nil) throws -> Engine {
    let e = cfg.engine
    let ring = try keyring ?? TokenKeySource.keyring(inlineKey: e.tokenKey, keyFile: e.tokenKeyFile, keyID: UInt8(e.tokenKeyID), stateDir: cfg.common.stateDir)
    let rules = try e.purposeRules(path: cfg.source)
    var signatures = SignatureList.default
    if !e.signaturesFile.isEmpty {
        do { signatures = signatures.merging(try SignatureList.load(path: e.signaturesFile)) } catch {
            throw ConfigError("engine.signatures_file: \(error)")
        }
    }
    let classifier = TrackerClassifier(signatures: signatures, rules: rules.map(\.urlRule))
    let settings = EngineSettings(mimeLimits: e.mimeLimits, maxHTMLPart: e.maxHTMLPart, onUnparseable: e.onUnparseable,
                                  askConsent: e.askConsent, publicURL: cfg.http.publicURL, footer: e.footer, rules: rules)
    return Engine(settings: settings, keyring: ring, campaigns: campaigns, classifier: classifier)
}

/// The integrator's entry point: the relay's planner for this config.
func makeEnginePlanner(cfg: PixelgateConfig, lookup: any ConsentLookup, campaigns: any CampaignRegistry,
                       recorder: (any DeliveryRecorder)?) throws -> EnginePlanner {
    let engine = try makeEngine(cfg: cfg, campaigns: campaigns)
    return EnginePlanner(engine: engine, lookup: lookup, recorder: recorder, onStoreError: cfg.store.onStoreError,
                         shadow: cfg.relay.shadow, consentTimeout: cfg.engine.consentTimeout, addressMode: cfg.log.addresses)
}

// EngineWiring: connects the engine to the relay's variants seam (PixelRelay.VariantPlanner) and to
// the config. `prepare` starts the recipient's consent lookup on a background queue and returns at
// once; `plan` analyses the message once, awaits each lookup (bounded by `engine.consent_timeout`),
// decides per recipient, groups and renders; `finished` logs one `decision` line per recipient and
// hands DeliveryRecords to the recorder. Failure rules (DESIGN): an unparseable message follows
// `on_unparseable` (reject = 554 5.6.0, pass = unchanged + logged); a failed or late lookup follows
// `on_store_error` (strip = no consent + warning, tempfail = 451); `shadow` logs the decisions and
// relays the message unchanged. `filter` uses exactly this planner.
import Foundation
import Logging
import PixelEngine
import PixelHTML
import PixelLog
import PixelMIME
import PixelPolicy
import PixelRelay

/// A consent lookup started at RCPT time; `plan` waits for it, `finished` reads the outcome.
final class PendingConsent: @unchecked Sendable {
    let address: String
    private let condition = NSCondition()
    private var result: Result<ConsentProfile, any Error>?
    /// Set by `plan` for `finished`.
    private var summary: RecipientSummary?

    init(address: String) { self.address = address }

    func start(_ lookup: any ConsentLookup, on queue: DispatchQueue) {
        queue.async {
            let r: Result<ConsentProfile, any Error>
            do { r = .success(try lookup.profile(for: self.address, at: Date())) } catch { r = .failure(error) }
            self.condition.lock()
            self.result = r
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    /// The lookup's result, or nil when it did not finish by `deadline`.
    func wait(until deadline: Date) -> Result<ConsentProfile, any Error>? {
        condition.lock(); defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: deadline) { break }
        }
        return result
    }

    func setSummary(_ s: RecipientSummary) {
        condition.lock(); summary = s; condition.unlock()
    }

    func getSummary() -> RecipientSummary? {
        condition.lock(); defer { condition.unlock() }
        return summary
    }
}

/// What `plan` decided for one recipient, kept for the log line and the delivery record.
struct RecipientSummary: Sendable {
    var profile: ConsentProfile
    var found: Int
    var kept: [TrackerRecord]
    var removed: [TrackerRecord]
    var footer: FooterKind
    var variant: String
    var consentEventIDs: [Int64]
    var messageID: String?
    var storeError: String?
}

/// Why a consent profile could not be had.
struct ConsentTimeout: Error, CustomStringConvertible {
    var description: String { "consent lookup timed out" }
}

final class EnginePlanner: VariantPlanner, @unchecked Sendable {
    let engine: Engine
    let lookup: any ConsentLookup
    let recorder: (any DeliveryRecorder)?
    let onUnparseable: OnUnparseable
    let onStoreError: OnStoreError
    let shadow: Bool
    let consentTimeout: Double
    let addressMode: AddressLogMode
    let logger: Logger
    private let queue = DispatchQueue(label: "pixelgate.consent-lookup", attributes: .concurrent)

    init(engine: Engine, lookup: any ConsentLookup, recorder: (any DeliveryRecorder)?, onUnparseable: OnUnparseable,
         onStoreError: OnStoreError, shadow: Bool, consentTimeout: Double, addressMode: AddressLogMode,
         logger: Logger = Logger(label: "pixelgate.engine")) {
        self.engine = engine
        self.lookup = lookup
        self.recorder = recorder
        self.onUnparseable = onUnparseable
        self.onStoreError = onStoreError
        self.shadow = shadow
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
        let unchanged = [PlannedVariant(recipients: Array(recipients.indices), chunks: [.original(0..<message.count)], label: shadow ? "shadow" : "v1")]
        let addresses = recipients.map(\.address)
        let analysis: Analysis
        do {
            analysis = try engine.analyse(message, recipients: addresses)
        } catch {
            log(.error, "error", context, ["reason": .string(error.description), "action": .string(onUnparseable.rawValue)])
            switch onUnparseable {
            case .reject:
                guard case .unparseable(let reason) = error else { throw .reject(code: 554, enhanced: "5.6.0", text: "Message cannot be analysed safely") }
                throw .reject(code: 554, enhanced: "5.6.0", text: "Message cannot be analysed safely: \(Self.oneLine(reason))")
            case .pass: return unchanged
            }
        }
        for note in analysis.notes where note.hasPrefix("anonymous_statistics") {
            log(.notice, "error", context, ["reason": .string(note), "action": "unspecified"])
        }
        // Consent profiles, bounded wait; failures follow on_store_error.
        let deadline = Date(timeIntervalSinceNow: consentTimeout)
        var profiles: [ConsentProfile] = []
        var storeErrors: [String?] = []
        for r in recipients {
            let pending = r.prepared as? PendingConsent ?? {
                let p = PendingConsent(address: r.address)
                p.start(lookup, on: queue)
                return p
            }()
            switch pending.wait(until: deadline) ?? .failure(ConsentTimeout()) {
            case .success(let p):
                profiles.append(p)
                storeErrors.append(nil)
            case .failure(let e):
                if onStoreError == .tempfail {
                    log(.error, "error", context, ["reason": .string("consent store: \(e)"), "action": "tempfail", "rcpt": .string(addressMode.render(r.address))])
                    throw .tempfail("Consent store unavailable, try again later")
                }
                log(.warning, "error", context, ["reason": .string("consent store: \(e)"), "action": "strip", "rcpt": .string(addressMode.render(r.address))])
                // Unknown state: no consent, and no "choose your preferences" footer either.
                profiles.append(ConsentProfile(granted: [], hasExpressedChoice: true))
                storeErrors.append("\(e)")
            }
        }
        let decisions = zip(addresses, profiles).map { engine.decide(analysis, recipient: $0, profile: $1) }
        var planned: [PlannedVariant]
        var labels = [String](repeating: "v1", count: recipients.count)
        if shadow {
            planned = unchanged
            labels = [String](repeating: "shadow", count: recipients.count)
        } else {
            let variants: [RenderedVariant]
            do {
                variants = try engine.variants(analysis, message: message, recipients: addresses, decisions: decisions)
            } catch {
                log(.error, "error", context, ["reason": .string(error.description), "action": .string(onUnparseable.rawValue)])
                if onUnparseable == .reject { throw .reject(code: 554, enhanced: "5.6.0", text: "Message cannot be rewritten safely") }
                return unchanged
            }
            planned = variants.map { v in
                PlannedVariant(recipients: v.recipients, chunks: v.chunks.map(Self.bodyChunk), label: v.label)
            }
            for v in variants { for i in v.recipients { labels[i] = v.label } }
        }
        for (i, r) in recipients.enumerated() {
            guard let pending = r.prepared as? PendingConsent else { continue }
            pending.setSummary(Self.summary(analysis, decisions[i], profile: profiles[i], variant: labels[i], storeError: storeErrors[i]))
        }
        return planned
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {
        var records: [DeliveryRecord] = []
        for (i, r) in recipients.enumerated() {
            guard let s = (r.prepared as? PendingConsent)?.getSummary() else { continue }
            let outcome = outcomes.first { $0.recipient == i }
            log(.info, "decision", context, [
                "rcpt": .string(addressMode.render(r.address)),
                "purposes": .string(s.profile.granted.sorted().map(\.id).joined(separator: ",")),
                "found": .stringConvertible(s.found),
                "kept": .stringConvertible(s.kept.count),
                "removed": .stringConvertible(s.removed.count),
                "footer": .string(s.footer.rawValue),
                "variant": .string(s.variant),
            ])
            guard let outcome, (200..<300).contains(outcome.code) else { continue }
            records.append(DeliveryRecord(time: Date(), messageID: s.messageID, queueID: context.queueID, recipient: r.address,
                                          kept: s.kept, removed: s.removed, consentEventIDs: s.consentEventIDs,
                                          footer: s.footer.rawValue, upstreamReply: "\(outcome.code) \(outcome.text)"))
        }
        guard let recorder, !records.isEmpty else { return }
        do { try recorder.record(records) } catch {
            log(.error, "error", context, ["reason": .string("delivery record: \(error)")])
        }
    }

    static func summary(_ a: Analysis, _ d: Decision, profile: ConsentProfile, variant: String, storeError: String?) -> RecipientSummary {
        var kept: [TrackerRecord] = []
        var removed: [TrackerRecord] = []
        for (t, disp) in zip(a.trackers, d.dispositions) {
            let rec = TrackerRecord(url: t.url, vector: t.vector.rawValue, purposes: t.purposeIDs)
            if disp.isKept { kept.append(rec) } else { removed.append(rec) }
        }
        return RecipientSummary(profile: profile, found: a.trackers.count, kept: kept, removed: removed, footer: d.footer,
                                variant: variant, consentEventIDs: d.consentEventIDs, messageID: a.messageID, storeError: storeError)
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
                                  askConsent: e.askConsent, publicURL: cfg.common.publicURL, footer: e.footer, rules: rules)
    return Engine(settings: settings, keyring: ring, campaigns: campaigns, classifier: classifier)
}

/// The integrator's entry point: the relay's planner for this config.
func makeEnginePlanner(cfg: PixelgateConfig, lookup: any ConsentLookup, campaigns: any CampaignRegistry,
                       recorder: (any DeliveryRecorder)?) throws -> EnginePlanner {
    try makeEnginePlanner(cfg: cfg, lookup: lookup, campaigns: campaigns, recorder: recorder, keyring: nil)
}

func makeEnginePlanner(cfg: PixelgateConfig, lookup: any ConsentLookup, campaigns: any CampaignRegistry,
                       recorder: (any DeliveryRecorder)?, keyring: TokenKeyring?) throws -> EnginePlanner {
    let engine = try makeEngine(cfg: cfg, campaigns: campaigns, keyring: keyring)
    return EnginePlanner(engine: engine, lookup: lookup, recorder: recorder, onUnparseable: cfg.engine.onUnparseable,
                         onStoreError: cfg.engine.onStoreError, shadow: cfg.engine.shadow,
                         consentTimeout: cfg.engine.consentTimeout, addressMode: cfg.log.addresses)
}

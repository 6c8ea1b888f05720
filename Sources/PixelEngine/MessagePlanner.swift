// MessagePlanner: one message, every recipient — analyse once, decide per recipient, group and
// render (DESIGN "Data path" steps 4-6), plus what is logged and recorded per recipient (step 8).
// The relay's EnginePlanner and `pixelgate filter` both go through here. Guarantees: `shadow`
// decides and summarises but returns the message unchanged; an unparseable message throws with
// `reject` and comes back unchanged (with the reason) with `pass`; every recipient index is in
// exactly one variant.
import Foundation
import PixelMIME
import PixelPolicy

/// What one recipient got, for the `decision` log line and the delivery record.
public struct RecipientSummary: Sendable, Equatable {
    public var consented: [Purpose]
    public var found: Int
    public var kept: [TrackerRecord]
    public var removed: [TrackerRecord]
    public var footer: FooterKind
    public var variant: String
    public var consentEventIDs: [Int64]
    public var messageID: String?
    public var storeError: String?

    /// The proof record once upstream has answered.
    public func deliveryRecord(recipient: String, queueID: String?, reply: String, time: Date) -> DeliveryRecord {
        DeliveryRecord(time: time, messageID: messageID, queueID: queueID, recipient: recipient, kept: kept, removed: removed,
                       consentEventIDs: consentEventIDs, footer: footer.rawValue, upstreamReply: reply)
    }
}

public struct MessagePlan: Sendable {
    public var variants: [RenderedVariant]
    /// One per recipient, in order.
    public var summaries: [RecipientSummary]
    /// Set when the message went out unchanged because it could not be analysed (`pass`).
    public var unparseable: String?
    /// Analysis notes worth a log line (refused exemption claims).
    public var notes: [String]
}

public struct MessagePlanner: Sendable {
    public let engine: Engine
    public let shadow: Bool

    public init(engine: Engine, shadow: Bool) {
        self.engine = engine
        self.shadow = shadow
    }

    public func plan(_ message: UnsafeRawBufferPointer, recipients: [String], consents: [GatheredConsent]) throws(EngineFailure) -> MessagePlan {
        precondition(recipients.count == consents.count, "one consent per recipient")
        let unchanged = [RenderedVariant(recipients: Array(recipients.indices), chunks: [.original(0..<message.count)], label: shadow ? "shadow" : "v1")]
        let analysis: Analysis
        do {
            analysis = try engine.analyse(message, recipients: recipients)
        } catch {
            guard engine.settings.onUnparseable == .pass, case .unparseable(let reason) = error else { throw error }
            return Self.passed(unchanged, consents: consents, reason: reason)
        }
        let decisions = zip(recipients, consents).map { engine.decide(analysis, recipient: $0, profile: $1.profile) }
        var variants = unchanged
        if !shadow {
            do {
                variants = try engine.variants(analysis, message: message, recipients: recipients, decisions: decisions)
            } catch {
                guard engine.settings.onUnparseable == .pass, case .unparseable(let reason) = error else { throw error }
                return Self.passed(unchanged, consents: consents, reason: reason)
            }
        }
        var labels = [String](repeating: unchanged[0].label, count: recipients.count)
        for v in variants { for i in v.recipients { labels[i] = v.label } }
        let summaries = recipients.indices.map { i in
            Self.summary(analysis, decisions[i], consent: consents[i], variant: labels[i])
        }
        return MessagePlan(variants: variants, summaries: summaries, unparseable: nil,
                           notes: analysis.notes.filter { $0.hasPrefix("anonymous_statistics") })
    }

    /// The message goes out unchanged to everyone (on_unparseable = pass).
    static func passed(_ unchanged: [RenderedVariant], consents: [GatheredConsent], reason: String) -> MessagePlan {
        let summaries = consents.map { c in
            RecipientSummary(consented: c.profile.granted.sorted(), found: 0, kept: [], removed: [], footer: .none,
                             variant: unchanged[0].label, consentEventIDs: [], messageID: nil, storeError: c.storeError)
        }
        return MessagePlan(variants: unchanged, summaries: summaries, unparseable: reason, notes: [])
    }

    static func summary(_ a: Analysis, _ d: Decision, consent: GatheredConsent, variant: String) -> RecipientSummary {
        var kept: [TrackerRecord] = []
        var removed: [TrackerRecord] = []
        for (t, disp) in zip(a.trackers, d.dispositions) {
            let rec = TrackerRecord(url: t.url, vector: t.vector.rawValue, purposes: t.purposeIDs)
            if disp.isKept { kept.append(rec) } else { removed.append(rec) }
        }
        return RecipientSummary(consented: consent.profile.granted.sorted(), found: a.trackers.count, kept: kept, removed: removed,
                                footer: d.footer, variant: variant, consentEventIDs: d.consentEventIDs, messageID: a.messageID,
                                storeError: consent.storeError)
    }
}

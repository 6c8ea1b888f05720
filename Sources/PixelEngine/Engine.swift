// Engine: analyse once, decide per recipient, render per variant — the one code path used by the
// relay (through EnginePlanner) and by `pixelgate filter`/`scan`. Guarantees: `analyse` is the only
// step that parses or scans; `decide` is pure policy (no I/O); `variants` covers every recipient
// exactly once, sharing a rendered copy only between recipients whose copies are identical and
// impersonal (VariantGrouping).
import Foundation
import PixelHTML
import PixelMIME
import PixelPolicy

/// One rendered copy and who gets it.
public struct RenderedVariant: Sendable {
    /// Indices into the recipients given to `variants`.
    public var recipients: [Int]
    public var chunks: [OutChunk]
    public var label: String
}

public final class Engine: Sendable {
    public let settings: EngineSettings
    public let links: PolicyLinks
    public let campaigns: any CampaignRegistry
    public let classifier: TrackerClassifier

    public init(settings: EngineSettings, keyring: TokenKeyring, campaigns: any CampaignRegistry, classifier: TrackerClassifier,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.links = PolicyLinks(publicURL: settings.publicURL, keyring: keyring, now: now)
        self.campaigns = campaigns
        self.classifier = classifier
    }

    /// DESIGN step 4: parse, decode and scan once; trackers with evidence and purposes.
    public func analyse(_ message: UnsafeRawBufferPointer, recipients: [String]) throws(EngineFailure) -> Analysis {
        try Analyser(settings: settings, classifier: classifier, campaigns: campaigns).analyse(message, recipients: recipients)
    }

    /// DESIGN step 5 for one recipient.
    public func decide(_ analysis: Analysis, recipient: String, profile: ConsentProfile) -> Decision {
        DecisionMaker.decide(trackers: analysis.policyTrackers, profile: profile, askConsent: settings.askConsent)
    }

    /// DESIGN step 6 for one recipient (or a group sharing `decision`).
    public func render(_ analysis: Analysis, message: UnsafeRawBufferPointer, recipient: String, decision: Decision) throws(EngineFailure) -> [OutChunk] {
        try VariantRenderer(settings: settings, links: links).render(analysis, message: message, recipient: recipient, decision: decision)
    }

    /// Groups recipients by outcome and renders one copy per group, labelled v1, v2, ...
    public func variants(_ analysis: Analysis, message: UnsafeRawBufferPointer, recipients: [String], decisions: [Decision]) throws(EngineFailure) -> [RenderedVariant] {
        precondition(recipients.count == decisions.count, "one decision per recipient")
        var out: [RenderedVariant] = []
        for (n, group) in VariantGrouping.group(decisions).enumerated() {
            let first = group[0]
            let chunks = try render(analysis, message: message, recipient: recipients[first], decision: decisions[first])
            out.append(RenderedVariant(recipients: group, chunks: chunks, label: "v\(n + 1)"))
        }
        return out
    }
}

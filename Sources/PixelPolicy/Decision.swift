// Decision: what one recipient gets from one message (DESIGN "Data path" step 5, "Rules").
// Guarantees: consent is never presumed. A tracker is kept only when it has at least one purpose and
// every purpose is exempt or consented in the profile; an unspecified tracker, an unknown purpose or a
// refused `anonymous_statistics` claim is always removed. Trackers whose purposes are all exempt are
// kept unchanged (no gate, no footer); the others kept are gated. Footer: `withdraw` when a gated
// tracker remains; `ask` when `askConsent` is on, the recipient never expressed a choice, and the
// message lost at least one tracker that consent could have kept (all its purposes consentable);
// else `none`.

/// One tracker as the policy sees it.
public struct PolicyTracker: Sendable, Equatable {
    /// Attributed purposes (empty = unspecified).
    public var purposes: [DeclaredPurpose]
    /// Set when an exemption claim was refused: the tracker is unspecified whatever its purposes say.
    public var refusedClaim: AnonymousStatisticsFailure?

    public init(purposes: [DeclaredPurpose], refusedClaim: AnonymousStatisticsFailure? = nil) {
        self.purposes = purposes
        self.refusedClaim = refusedClaim
    }

    /// True when the tracker is `unspecified` (never kept).
    public var isUnspecified: Bool { purposes.isEmpty || refusedClaim != nil }

    /// The known purposes, when every purpose is known; nil otherwise.
    public var knownPurposes: [Purpose]? {
        var out: [Purpose] = []
        for p in purposes {
            guard case .known(let k) = p else { return nil }
            out.append(k)
        }
        return out
    }

    /// Kept for every recipient without any consent (all purposes exempt, claim not refused).
    public var isExempt: Bool {
        guard !isUnspecified, let known = knownPurposes else { return false }
        return known.allSatisfy(\.isExempt)
    }
}

public enum FooterKind: String, Sendable, Equatable, CaseIterable {
    case withdraw
    case ask
    case none
}

/// Why a tracker was removed for a recipient.
public enum RemovalReason: Sendable, Equatable, CustomStringConvertible {
    case unspecified
    case refusedExemption(AnonymousStatisticsFailure)
    case unknownPurpose(String)
    case notConsented([Purpose])

    public var description: String {
        switch self {
        case .unspecified: return "unspecified"
        case .refusedExemption(let f): return "exemption refused: \(f)"
        case .unknownPurpose(let p): return "unknown purpose \(p)"
        case .notConsented(let ps): return "no consent for \(ps.map(\.id).joined(separator: ","))"
        }
    }
}

public enum TrackerDisposition: Sendable, Equatable {
    /// Every purpose is exempt: kept unchanged.
    case keptExempt
    /// Consent covers every non-exempt purpose: kept behind the gate.
    case gated
    case removed(RemovalReason)

    public var isKept: Bool {
        if case .removed = self { return false }
        return true
    }
}

public struct Decision: Sendable, Equatable {
    /// One disposition per tracker, in the analysis order.
    public var dispositions: [TrackerDisposition]
    public var footer: FooterKind
    /// Consentable purposes served by the gated trackers, in DESIGN order (for tokens and the footer).
    public var gatedPurposes: [Purpose]
    /// Consent events the gated trackers rest on.
    public var consentEventIDs: [Int64]

    public var keptIndices: [Int] { dispositions.indices.filter { dispositions[$0].isKept } }
    public var removedIndices: [Int] { dispositions.indices.filter { !dispositions[$0].isKept } }
    public var gatedIndices: [Int] { dispositions.indices.filter { dispositions[$0] == .gated } }
}

public enum DecisionMaker {
    public static func decide(trackers: [PolicyTracker], profile: ConsentProfile, askConsent: Bool) -> Decision {
        var dispositions: [TrackerDisposition] = []
        var gatedPurposes: Set<Purpose> = []
        var couldConsent = false
        for t in trackers {
            let d = disposition(t, profile: profile)
            dispositions.append(d)
            if d == .gated, let known = t.knownPurposes {
                gatedPurposes.formUnion(known.filter { !$0.isExempt })
            }
            if case .removed(.notConsented) = d { couldConsent = true }
        }
        let footer: FooterKind
        if !gatedPurposes.isEmpty {
            footer = .withdraw
        } else if askConsent && !profile.hasExpressedChoice && couldConsent {
            footer = .ask
        } else {
            footer = .none
        }
        let ordered = Purpose.consentable.filter(gatedPurposes.contains)
        return Decision(dispositions: dispositions, footer: footer, gatedPurposes: ordered,
                        consentEventIDs: ordered.isEmpty ? [] : profile.eventIDs)
    }

    static func disposition(_ t: PolicyTracker, profile: ConsentProfile) -> TrackerDisposition {
        if let refused = t.refusedClaim { return .removed(.refusedExemption(refused)) }
        if t.purposes.isEmpty { return .removed(.unspecified) }
        for p in t.purposes {
            if case .unknown(let id) = p { return .removed(.unknownPurpose(id)) }
        }
        let known = t.knownPurposes ?? []
        let needed = known.filter { !$0.isExempt }
        if needed.isEmpty { return .keptExempt }
        let missing = needed.filter { !profile.granted.contains($0) }
        return missing.isEmpty ? .gated : .removed(.notConsented(missing))
    }
}

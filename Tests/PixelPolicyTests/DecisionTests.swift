// Tests for DecisionMaker and VariantGrouping: consent never presumed, exemptions, footers, variants.
import Testing
@testable import PixelPolicy

@Suite struct DecisionTests {
    let om = PolicyTracker(purposes: [.known(.openMeasurement)])
    let omPers = PolicyTracker(purposes: [.known(.openMeasurement), .known(.personalization)])
    let undeclared = PolicyTracker(purposes: [])
    let auth = PolicyTracker(purposes: [.known(.authenticationSecurity)])
    let unknown = PolicyTracker(purposes: [.known(.openMeasurement), .unknown("ad_retargeting")])
    let refused = PolicyTracker(purposes: [.known(.anonymousStatistics)], refusedClaim: .missingCampaign)

    @Test func noConsentRemovesAllButExempt() {
        let d = DecisionMaker.decide(trackers: [om, undeclared, auth, unknown, refused], profile: .none, askConsent: false)
        #expect(d.dispositions == [.removed(.notConsented([.openMeasurement])), .removed(.unspecified), .keptExempt,
                                   .removed(.unknownPurpose("ad_retargeting")), .removed(.refusedExemption(.missingCampaign))])
        #expect(d.footer == .none)
        #expect(d.keptIndices == [2])
    }

    @Test func everyPurposeMustBeConsented() {
        let partial = ConsentProfile(granted: [.openMeasurement], eventIDs: [7], hasExpressedChoice: true)
        let d = DecisionMaker.decide(trackers: [om, omPers], profile: partial, askConsent: true)
        #expect(d.dispositions == [.gated, .removed(.notConsented([.personalization]))])
        #expect(d.footer == .withdraw)
        #expect(d.gatedPurposes == [.openMeasurement])
        #expect(d.consentEventIDs == [7])
    }

    @Test func unknownPurposeNeverKeptEvenWithAllConsents() {
        let all = ConsentProfile(granted: Set(Purpose.consentable), hasExpressedChoice: true)
        let d = DecisionMaker.decide(trackers: [unknown, undeclared], profile: all, askConsent: false)
        #expect(d.keptIndices.isEmpty)
        #expect(d.footer == .none)
    }

    @Test func exemptPurposesCannotBeGrantedAway() {
        let p = ConsentProfile(granted: [.anonymousStatistics, .authenticationSecurity], hasExpressedChoice: true)
        #expect(p.granted.isEmpty)
    }

    @Test func askFooterOnlyForNeverAskedAndWhenConsentWouldMatter() {
        #expect(DecisionMaker.decide(trackers: [om], profile: .none, askConsent: true).footer == .ask)
        #expect(DecisionMaker.decide(trackers: [om], profile: .none, askConsent: false).footer == .none)
        let refusedAll = ConsentProfile(granted: [], hasExpressedChoice: true)
        #expect(DecisionMaker.decide(trackers: [om], profile: refusedAll, askConsent: true).footer == .none)
        // Only unspecified/exempt trackers: consent would change nothing.
        #expect(DecisionMaker.decide(trackers: [undeclared, auth], profile: .none, askConsent: true).footer == .none)
    }

    @Test func groupingSharesOnlyImpersonalOutcomes() {
        let consented = ConsentProfile(granted: [.openMeasurement], hasExpressedChoice: true)
        let trackers = [om, auth]
        let ds = [
            DecisionMaker.decide(trackers: trackers, profile: .none, askConsent: false),
            DecisionMaker.decide(trackers: trackers, profile: consented, askConsent: false),
            DecisionMaker.decide(trackers: trackers, profile: ConsentProfile(granted: [], hasExpressedChoice: true), askConsent: false),
            DecisionMaker.decide(trackers: trackers, profile: consented, askConsent: false),
            DecisionMaker.decide(trackers: trackers, profile: .none, askConsent: true),
        ]
        let groups = VariantGrouping.group(ds)
        #expect(groups == [[0, 2], [1], [3], [4]])
        #expect(Set(groups.flatMap { $0 }) == Set(0..<5))
    }
}

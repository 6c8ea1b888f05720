// Tests for AnonymousStatisticsVerifier: each failure and the cross-message campaign URL rule.
import Testing
@testable import PixelPolicy

struct FailingRegistry: CampaignRegistry {
    struct Down: Error {}
    func register(campaign: String, url: String) throws -> Bool { throw Down() }
}

@Suite struct AnonymousStatisticsTests {
    @Test func verifiedWhenCleanAndCampaignKnown() {
        let reg = MemoryCampaignRegistry()
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/1.gif", campaign: "c1", identifierForm: nil, registry: reg) == .verified)
        // Same URL in a later message of the same campaign: still fine.
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/1.gif", campaign: "c1", identifierForm: nil, registry: reg) == .verified)
    }

    @Test func identifierRefusesBeforeRegistering() {
        let reg = MemoryCampaignRegistry()
        let v = AnonymousStatisticsVerifier.verify(url: "https://s.example/c/a%40b.gif", campaign: "c1", identifierForm: "urlencoded", registry: reg)
        #expect(v == .refused(.recipientIdentifier(form: "urlencoded")))
        // The refused URL did not become the campaign's URL.
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/clean.gif", campaign: "c1", identifierForm: nil, registry: reg) == .verified)
    }

    @Test func missingCampaignHeader() {
        let reg = MemoryCampaignRegistry()
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/x.gif", campaign: nil, identifierForm: nil, registry: reg) == .refused(.missingCampaign))
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/x.gif", campaign: "", identifierForm: nil, registry: reg) == .refused(.missingCampaign))
    }

    @Test func urlDifferingAcrossMessages() {
        let reg = MemoryCampaignRegistry()
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/1.gif", campaign: "spring", identifierForm: nil, registry: reg) == .verified)
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/2.gif", campaign: "spring", identifierForm: nil, registry: reg) == .refused(.urlDiffersForCampaign("spring")))
        // Another campaign has its own URL.
        #expect(AnonymousStatisticsVerifier.verify(url: "https://s.example/c/2.gif", campaign: "autumn", identifierForm: nil, registry: reg) == .verified)
    }

    @Test func registryFailureFailsClosed() {
        let v = AnonymousStatisticsVerifier.verify(url: "https://s.example/c/1.gif", campaign: "c", identifierForm: nil, registry: FailingRegistry())
        guard case .refused(.registryUnavailable) = v else { Issue.record("expected registryUnavailable, got \(v)"); return }
    }
}

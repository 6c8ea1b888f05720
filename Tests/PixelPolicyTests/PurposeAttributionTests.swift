// Tests for PurposeAttribution and PurposeList: DESIGN order and lenient-but-exact parsing.
import Testing
@testable import PixelPolicy

@Suite struct PurposeAttributionTests {
    @Test func attributeBeatsHeaderBeatsRule() {
        let header = PurposeList.parseHeader("open_measurement, fraud_detection")
        let rule: [DeclaredPurpose] = [.known(.personalization)]
        let a = PurposeAttribution.attribute(attributeTokens: ["cross_channel"], header: header, rule: rule)
        #expect(a == PurposeAttribution(purposes: [.known(.crossChannel)], source: .attribute))
        let h = PurposeAttribution.attribute(attributeTokens: nil, header: header, rule: rule)
        #expect(h.source == .header)
        #expect(h.purposes == [.known(.openMeasurement), .known(.fraudDetection)])
        let r = PurposeAttribution.attribute(attributeTokens: nil, header: nil, rule: rule)
        #expect(r == PurposeAttribution(purposes: rule, source: .rule))
        #expect(PurposeAttribution.attribute(attributeTokens: nil, header: nil, rule: nil) == .unspecified)
    }

    @Test func emptyDeclarationsFallThrough() {
        let a = PurposeAttribution.attribute(attributeTokens: ["  "], header: [], rule: [.known(.openMeasurement)])
        #expect(a.source == .rule)
    }

    @Test func headerIrregularSpacingAndCase() {
        #expect(PurposeList.parseHeader("  personalization ,cross_channel") == [.known(.personalization), .known(.crossChannel)])
        #expect(PurposeList.parseHeader("Open_Measurement,,FRAUD_DETECTION ") == [.known(.openMeasurement), .known(.fraudDetection)])
        #expect(PurposeList.parseHeader("open_measurement;\tpersonalization open_measurement") == [.known(.openMeasurement), .known(.personalization)])
    }

    @Test func unknownPurposesKeptVerbatim() {
        let p = PurposeList.parseAttribute("open_measurement ad_retargeting")
        #expect(p == [.known(.openMeasurement), .unknown("ad_retargeting")])
        #expect(p.map(\.description) == ["open_measurement", "ad_retargeting"])
    }

    @Test func strictParsingNamesTheBadId() throws {
        #expect(try PurposeList.parseStrict("none") == [])
        #expect(try PurposeList.parseStrict("open_measurement,personalization") == [.openMeasurement, .personalization])
        #expect(throws: PolicyError.unknownPurpose("open_measurment")) { try PurposeList.parseStrict("open_measurment") }
    }
}

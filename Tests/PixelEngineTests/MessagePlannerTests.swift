// MessagePlannerTests: the relay/filter path around the engine: consent lookups gathered with a
// bound and the store-error policy, shadow mode, on_unparseable, summaries and delivery records.
import Foundation
import Testing
import PixelEngine
import PixelMIME
import PixelPolicy

struct StubLookup: ConsentLookup {
    struct Down: Error, CustomStringConvertible { var description: String { "store down" } }
    var granted: [String: Set<Purpose>] = [:]
    var fail: Set<String> = []
    var delay: Double = 0
    func profile(for address: String, at time: Date) throws -> ConsentProfile {
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if fail.contains(address) { throw Down() }
        guard let g = granted[address] else { return .none }
        return ConsentProfile(granted: g, eventIDs: [9], hasExpressedChoice: true)
    }
}

@Suite struct MessagePlannerTests {
    static let queue = DispatchQueue(label: "test.lookups", attributes: .concurrent)
    static let message = EngineTests.message(html: EngineTests.body("<img src=\"\(EngineTests.pixel)\" width=\"1\" height=\"1\" data-tracking-purpose=\"open_measurement\">"))

    static func pending(_ addrs: [String], _ lookup: StubLookup) -> [PendingConsent] {
        addrs.map { a in
            let p = PendingConsent(address: a)
            p.start(lookup, on: queue)
            return p
        }
    }

    @Test func stripTurnsStoreErrorsIntoNoConsent() throws {
        let lookup = StubLookup(granted: ["a@x.example": [.openMeasurement]], fail: ["b@x.example"])
        let got = try ConsentGathering.gather(Self.pending(["a@x.example", "b@x.example"], lookup), deadline: Date(timeIntervalSinceNow: 5), policy: .strip)
        #expect(got[0].profile.granted == [.openMeasurement] && got[0].storeError == nil)
        #expect(got[1].profile.granted.isEmpty && got[1].profile.hasExpressedChoice)
        #expect(got[1].storeError == "store down")
    }

    @Test func tempfailThrowsNamingTheRecipient() {
        let lookup = StubLookup(fail: ["b@x.example"])
        #expect(throws: ConsentUnavailable(recipient: "b@x.example", reason: "store down")) {
            try ConsentGathering.gather(Self.pending(["a@x.example", "b@x.example"], lookup), deadline: Date(timeIntervalSinceNow: 5), policy: .tempfail)
        }
    }

    @Test func slowLookupIsBounded() throws {
        let lookup = StubLookup(delay: 3)
        let start = Date()
        let got = try ConsentGathering.gather(Self.pending(["a@x.example"], lookup), deadline: Date(timeIntervalSinceNow: 0.2), policy: .strip)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(got[0].storeError == "consent lookup timed out")
    }

    @Test func planDecidesGroupsAndSummarises() throws {
        let planner = MessagePlanner(engine: TestEngine.make(), shadow: false)
        let consents = [GatheredConsent(profile: .none), GatheredConsent(profile: ConsentProfile(granted: [.openMeasurement], eventIDs: [5], hasExpressedChoice: true)),
                        GatheredConsent(profile: .none, storeError: "x")]
        let plan = try Self.message.withUnsafeBytes { try planner.plan($0, recipients: ["a@x", "b@x", "c@x"], consents: consents) }
        #expect(plan.variants.map(\.recipients) == [[0, 2], [1]])
        #expect(plan.summaries.map(\.variant) == ["v1", "v2", "v1"])
        #expect(plan.summaries[0].removed.count == 1 && plan.summaries[0].kept.isEmpty && plan.summaries[0].footer == .none)
        #expect(plan.summaries[1].kept.map(\.purposes) == [["open_measurement"]] && plan.summaries[1].footer == .withdraw)
        #expect(plan.summaries[1].consentEventIDs == [5])
        #expect(plan.summaries[2].storeError == "x")
        let rec = plan.summaries[1].deliveryRecord(recipient: "b@x", queueID: "Q1", reply: "250 ok", time: TestEngine.fixedTime)
        #expect(rec.messageID == "<t@shop.example>" && rec.footer == "withdraw" && rec.kept.count == 1 && rec.upstreamReply == "250 ok")
    }

    @Test func shadowDecidesButSendsUnchanged() throws {
        let planner = MessagePlanner(engine: TestEngine.make(), shadow: true)
        let plan = try Self.message.withUnsafeBytes { try planner.plan($0, recipients: ["a@x", "b@x"], consents: [GatheredConsent(profile: .none), GatheredConsent(profile: .none)]) }
        #expect(plan.variants.count == 1)
        #expect(plan.variants[0].chunks == [.original(0..<Self.message.count)])
        #expect(plan.variants[0].recipients == [0, 1])
        #expect(plan.summaries.map(\.removed.count) == [1, 1])
        #expect(plan.summaries.map(\.variant) == ["shadow", "shadow"])
    }

    @Test func unparseablePassOrReject() throws {
        var deep = "From: a@b\r\nMIME-Version: 1.0\r\n"
        for i in 0..<40 { deep += "Content-Type: multipart/mixed; boundary=\"d\(i)\"\r\n\r\n--d\(i)\r\n" }
        deep += "Content-Type: text/html\r\n\r\n<img src=\"\(EngineTests.pixel)\">\r\n"
        let m = Array(deep.utf8)
        let reject = MessagePlanner(engine: TestEngine.make(), shadow: false)
        #expect(throws: EngineFailure.self) { _ = try m.withUnsafeBytes { try reject.plan($0, recipients: ["a@x"], consents: [GatheredConsent(profile: .none)]) } }
        let pass = MessagePlanner(engine: TestEngine.make(EngineSettings(onUnparseable: .pass)), shadow: false)
        let plan = try m.withUnsafeBytes { try pass.plan($0, recipients: ["a@x"], consents: [GatheredConsent(profile: .none)]) }
        #expect(plan.unparseable != nil)
        #expect(plan.variants.map(\.chunks) == [[.original(0..<m.count)]])
    }
}

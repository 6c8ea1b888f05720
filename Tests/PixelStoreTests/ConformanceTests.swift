// ConformanceTests: one suite run against every backend (SQLite always, PostgreSQL when configured):
// grant/withdraw/re-grant, history order, past instants, export round trip, normalisation,
// tampering, atomicity, bad input, injection, journal, campaigns, deliveries and pruning.
import Foundation
import Testing
import PixelPolicy
@testable import PixelStore

@Suite struct ConformanceTests {
    @Test func bothDialectsHaveTheSameMigrations() {
        #expect(SchemaMigrations.sqlite.count == SchemaMigrations.postgres.count)
        for (a, b) in zip(SchemaMigrations.sqlite, SchemaMigrations.postgres) { #expect(a.count >= 10 && b.count >= 10) }
    }

    @Test(arguments: Backend.all)
    func grantWithdrawRegrant(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        #expect(try s.profile(for: "ann@example.org", at: Date()) == .none)
        let stored = try s.record(events: [grant("ann@example.org", "open_measurement"), grant("ann@example.org", "personalization")])
        #expect(stored.map(\.id) == [1, 2])
        var p = try s.profile(for: "ann@example.org", at: Date())
        #expect(p.granted == [.openMeasurement, .personalization])
        #expect(p.eventIDs == [1, 2])
        #expect(p.hasExpressedChoice)
        try s.record(events: [withdraw("ann@example.org", "open_measurement")])
        p = try s.profile(for: "ann@example.org", at: Date())
        #expect(p.granted == [.personalization])
        #expect(p.eventIDs == [2])
        try s.record(events: [grant("ann@example.org", "open_measurement")])
        p = try s.profile(for: "ann@example.org", at: Date())
        #expect(p.granted == [.openMeasurement, .personalization])
        #expect(p.eventIDs == [2, 4])
        try s.record(events: [withdraw("ann@example.org", "open_measurement"), withdraw("ann@example.org", "personalization")])
        p = try s.profile(for: "ann@example.org", at: Date())
        #expect(p.granted.isEmpty)
        #expect(p.hasExpressedChoice, "a withdrawal is an expressed choice")
        #expect(try s.verify() == .ok(6))
    }

    @Test(arguments: Backend.all)
    func historyIsInTimeOrderAndPastInstantsGetPastAnswers(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        // Recorded out of time order (an import of old consents after a recent one).
        try s.record(events: [withdraw("bob@example.org", "fraud_detection", at: date("2026-06-01T00:00:00Z"))])
        try s.record(events: [grant("bob@example.org", "fraud_detection", at: date("2026-01-01T00:00:00Z")),
                              grant("bob@example.org", "cross_channel", at: date("2026-03-01T12:00:00.250Z"))])
        let h = try s.history(subject: "BOB@example.org")
        #expect(h.map(\.id) == [2, 3, 1])
        #expect(h.map { TimeFormat.format(millis: $0.atMillis) } == ["2026-01-01T00:00:00.000Z", "2026-03-01T12:00:00.250Z", "2026-06-01T00:00:00.000Z"])
        // The current state is the latest by time, not by insertion.
        #expect(try s.profile(for: "bob@example.org", at: Date()).granted == [.crossChannel])
        // Past instants.
        #expect(try s.profile(for: "bob@example.org", at: date("2026-02-01")).granted == [.fraudDetection])
        #expect(try s.profile(for: "bob@example.org", at: date("2026-04-01")).granted == [.fraudDetection, .crossChannel])
        let before = try s.profile(for: "bob@example.org", at: date("2025-12-31"))
        #expect(before == .none)
        #expect(try s.verify() == .ok(3))
    }

    @Test(arguments: Backend.all)
    func exportRoundTripThroughCSV(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        var inputs: [ConsentEventInput] = []
        let purposes = Purpose.consentable.map(\.id)
        for i in 0..<120 {
            let at = Date(timeIntervalSince1970: 1_780_000_000 + Double(i) * 61.001)
            let ev = i % 7 == 0 ? #"{"text":"Line one,\n \"quoted\" line two","lang":"fr","é":"ü"}"#
                : i % 11 == 0 ? "{\n\t\"n\": \(i),\r\n\t\"path\": \"C:\\\\x\"\n}" : #"{"n":\#(i)}"#
            inputs.append(ConsentEventInput(address: "user\(i % 30)@Example.org", purpose: purposes[i % 5],
                                            action: i % 4 == 3 ? .withdraw : .grant, at: at, source: "src,\(i % 3)", evidence: ev))
        }
        try s.record(events: Array(inputs.prefix(50)))
        try s.record(events: Array(inputs.dropFirst(50)))
        var csv = ConsentCSV.exportHeader
        try s.export(since: nil) { csv += ConsentCSV.exportRow($0) }
        let parsed = try ConsentCSV.parseImport(csv, file: "export.csv", normalizer: AddressNormalizer(), maxEvidenceSize: 16384)
        #expect(parsed.count == 120)

        let g = try StoreFixture(backend); defer { g.cleanup() }
        let t = try g.open()
        try t.record(events: parsed)
        #expect(try t.verify() == .ok(120))
        for i in 0..<30 {
            let a = try s.profile(for: "user\(i)@example.org", at: Date())
            let b = try t.profile(for: "user\(i)@example.org", at: Date())
            #expect(a == b, "user\(i)")
        }
        let original = try s.export(since: nil)
        let copy = try t.export(since: nil)
        #expect(original.map(\.evidence) == copy.map(\.evidence))
        #expect(original.map(\.atMillis) == copy.map(\.atMillis))
        #expect(original.map(\.source) == copy.map(\.source))
        // --since keeps the later events only.
        let since = Date(timeIntervalSince1970: 1_780_000_000 + 100 * 61.001)
        #expect(try s.export(since: since).map(\.id) == Array(101...120))
    }

    @Test(arguments: Backend.all)
    func aLargeBatchCrossesCopyChunksAndCheckpoints(_ backend: Backend) throws {
        // 25,000 events: several COPY buffers in PostgreSQL, a WAL checkpoint in SQLite.
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let inputs = (0..<25_000).map { i in
            ConsentEventInput(address: "bulk\(i % 12_000)@example.org", purpose: Purpose.consentable[i % 5].id,
                              action: i >= 24_000 ? .withdraw : .grant, at: base.addingTimeInterval(Double(i)),
                              source: "bulk\\src", evidence: "{\t\"i\":\(i)}")
        }
        let stored = try s.record(events: inputs)
        #expect(stored.last?.id == 25_000)
        #expect(try s.verify() == .ok(25_000))
        // bulk5: i = 5 (open_measurement), 12005 (open_measurement), 24005 (withdraw open_measurement).
        #expect(try s.profile(for: "bulk5@example.org", at: Date()) == ConsentProfile(granted: [], eventIDs: [], hasExpressedChoice: true))
        // bulk11999: i = 11999 (fraud_detection), 23999 (fraud_detection).
        #expect(try s.profile(for: "bulk11999@example.org", at: Date()).eventIDs == [24_000])
        #expect(try s.history(subject: "bulk7@example.org").first?.source == "bulk\\src")
    }

    @Test(arguments: Backend.all)
    func addressesAreNormalised(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        try s.record(events: [grant("Jane.Doe@EXAMPLE.org", "open_measurement")])
        #expect(try s.profile(for: "jane.doe@example.org", at: Date()).granted == [.openMeasurement])
        #expect(try s.profile(for: " <JANE.DOE@Example.ORG> ", at: Date()).granted == [.openMeasurement])
        #expect(try s.history(subject: "jane.doe@example.org").first?.subject == "jane.doe@example.org")
        try s.record(events: [grant("Émile@Bücher.Example", "personalization")])
        #expect(try s.profile(for: "émile@xn--bcher-kva.example", at: Date()).granted == [.personalization])
        #expect(try s.history(subject: "ÉMILE@BÜCHER.example").first?.subject == "émile@xn--bcher-kva.example")

        let g = try StoreFixture(backend); defer { g.cleanup() }
        let strict = try g.open { $0.caseInsensitiveLocalPart = false }
        try strict.record(events: [grant("Jane.Doe@EXAMPLE.org", "open_measurement")])
        #expect(try strict.profile(for: "Jane.Doe@example.org", at: Date()).granted == [.openMeasurement])
        #expect(try strict.profile(for: "jane.doe@example.org", at: Date()) == .none)
    }

    @Test(arguments: Backend.all)
    func tamperingIsDetectedAndNamed(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        for i in 0..<5 { try s.record(events: [grant("t\(i)@example.org", "open_measurement")]) }
        #expect(try s.verify() == .ok(5))
        // The trigger refuses changes.
        #expect(throws: (any Error).self) { try f.raw("UPDATE consent_events SET action = 'withdraw' WHERE id = 3") }
        #expect(throws: (any Error).self) { try f.raw("DELETE FROM consent_events WHERE id = 3") }
        #expect(try s.verify() == .ok(5))
        // Someone with DBA rights drops the trigger and rewrites a grant.
        switch backend {
        case .sqlite: try f.raw("DROP TRIGGER consent_events_no_update")
        case .postgres: try f.raw("DROP TRIGGER consent_events_no_change ON consent_events")
        }
        try f.raw("UPDATE consent_events SET subject = 'mallory@example.org' WHERE id = 3")
        guard case .broken(let id, let reason) = try s.verify() else { Issue.record("tampering not detected"); return }
        #expect(id == 3)
        #expect(reason.contains("altered"))
    }

    @Test(arguments: Backend.all)
    func deletingTheLastEventIsDetected(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        try s.record(events: [grant("d@example.org", "open_measurement"), withdraw("d@example.org", "open_measurement")])
        switch backend {
        case .sqlite: try f.raw("DROP TRIGGER consent_events_no_delete")
        case .postgres: try f.raw("DROP TRIGGER consent_events_no_change ON consent_events")
        }
        try f.raw("DELETE FROM consent_events WHERE id = 2")
        #expect(try s.verify() == .broken(2, "the current state refers to an event that is missing or differs"))
    }

    @Test(arguments: Backend.all)
    func aBatchIsAllOrNothing(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        let big = "{\"t\":\"" + String(repeating: "x", count: 17000) + "\"}"
        let cases: [(ConsentEventInput, (StoreError) -> Bool)] = [
            (grant("x@example.org", "tracking_everything"), { if case .invalidPurpose = $0 { true } else { false } }),
            (grant("x@example.org", "authentication_security"), { if case .exemptPurpose = $0 { true } else { false } }),
            (grant("no-at-sign", "open_measurement"), { if case .invalidAddress = $0 { true } else { false } }),
            (grant("a@b\u{1}c.org", "open_measurement"), { if case .invalidAddress = $0 { true } else { false } }),
            (grant("x@example.org", "open_measurement", evidence: big), { if case .evidenceTooLarge(_, 16384) = $0 { true } else { false } }),
            (grant("x@example.org", "open_measurement", evidence: "{not json"), { if case .invalidEvidence = $0 { true } else { false } }),
            (grant("x@example.org", "open_measurement", source: " "), { if case .invalidEvent = $0 { true } else { false } }),
        ]
        for (bad, matches) in cases {
            do {
                try s.record(events: [grant("ok@example.org", "open_measurement"), bad])
                Issue.record("accepted \(bad)")
            } catch let e as StoreError {
                #expect(matches(e), "\(e)")
                #expect(!e.description.isEmpty)
            }
        }
        #expect(try s.verify() == .ok(0))
        #expect(try s.profile(for: "ok@example.org", at: Date()) == .none)
    }

    @Test(arguments: Backend.all)
    func injectionIsDataNeverCode(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open()
        let spaced = "x'); DROP TABLE consent_events;--@example.org"
        #expect(throws: StoreError.self) { try s.record(events: [grant(spaced, "open_measurement")]) }
        #expect(throws: StoreError.self) { try s.profile(for: spaced, at: Date()) }
        let tight = "x');DROP/**/TABLE/**/consent_events;--@example.org"
        let evil = #"{"text":"x'); DROP TABLE consent_events;--","q":"\"; DELETE FROM consent_state; --"}"#
        try s.record(events: [grant(tight, "open_measurement", source: "x'); DROP TABLE consent_events;--", evidence: evil)])
        #expect(try s.profile(for: tight, at: Date()).granted == [.openMeasurement])
        let h = try s.history(subject: tight)
        #expect(h.count == 1)
        #expect(h.first?.evidence == evil)
        #expect(h.first?.subject == tight.lowercased())
        #expect(try s.register(campaign: "c'); DROP TABLE campaigns;--", url: "https://x/'") == true)
        try s.markDelivered(messageKey: "k'--", recipients: ["r'); DROP TABLE delivery_journal;--"])
        #expect(try s.wasDelivered(messageKey: "k'--", recipient: "r'); DROP TABLE delivery_journal;--"))
        #expect(try s.verify() == .ok(1))
    }

    @Test(arguments: Backend.all)
    func journalCampaignsDeliveriesAndPruning(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let s = try f.open { $0.retention = 86400; $0.journalRetention = 3600 }
        #expect(try s.wasDelivered(messageKey: "m1", recipient: "a@x.org") == false)
        try s.markDelivered(messageKey: "m1", recipients: ["a@x.org", "b@x.org"])
        try s.markDelivered(messageKey: "m1", recipients: ["a@x.org"])
        #expect(try s.wasDelivered(messageKey: "m1", recipient: "a@x.org"))
        #expect(try s.wasDelivered(messageKey: "m1", recipient: "b@x.org"))
        #expect(try s.wasDelivered(messageKey: "m2", recipient: "a@x.org") == false)

        #expect(try s.register(campaign: "spring", url: "https://stats.example/p.gif?c=spring"))
        #expect(try s.register(campaign: "spring", url: "https://stats.example/p.gif?c=spring"))
        #expect(try s.register(campaign: "spring", url: "https://stats.example/p.gif?c=spring&u=42") == false)
        // A second instance sees the same registry.
        let s2 = try f.open()
        #expect(try s2.register(campaign: "spring", url: "https://stats.example/p.gif?c=spring&u=43") == false)

        let kept = [TrackerRecord(url: "https://t.example/o/1", vector: "img-src", purposes: ["open_measurement"])]
        let old = DeliveryRecord(time: Date().addingTimeInterval(-3 * 86400), messageID: "<a@x>", queueID: "Q1", recipient: "a@x.org",
                                 kept: kept, removed: [], consentEventIDs: [1], footer: "withdraw", upstreamReply: "250 2.0.0 Ok")
        var recent = old
        recent.time = Date()
        recent.messageID = nil
        try s.record([old])
        // Recorded exactly (milliseconds), and the first record call pruned what was already too old.
        #expect(try s.deliveries(recipient: "a@x.org", since: nil).isEmpty)
        try s.prune(now: Date().addingTimeInterval(-5 * 86400)) // as if it were 5 days ago: nothing to prune
        try s.record([recent])
        let back = try s.deliveries(recipient: "a@x.org", since: nil)
        #expect(back.count == 1)
        #expect(back.first?.kept == kept)
        #expect(back.first?.messageID == nil)
        #expect(back.first?.queueID == "Q1")
        #expect(back.first?.consentEventIDs == [1])
        #expect(back.first.map { TimeFormat.millis($0.time) } == TimeFormat.millis(recent.time))
        var old2 = old
        old2.recipient = "b@x.org"
        let s3 = try f.open { $0.retention = 86400; $0.journalRetention = 3600 }
        try s3.prune(now: Date())           // a fresh instance prunes on its first record call: spend it
        try s3.markDelivered(messageKey: "warm", recipients: ["w"])
        let pruned0 = try s3.prune(now: Date())
        #expect(pruned0.deliveries == 0)
        try s.record([old2])                 // s already pruned recently: the old record stays until the next prune
        #expect(try s.deliveries(recipient: "b@x.org", since: nil).count == 1)
        let pruned = try s.prune(now: Date())
        #expect(pruned.deliveries == 1)
        #expect(pruned.journal == 0)
        #expect(try s.deliveries(recipient: "a@x.org", since: nil).count == 1)
        let later = try s.prune(now: Date().addingTimeInterval(7200))
        #expect(later.journal == 3)
        #expect(try s.wasDelivered(messageKey: "m1", recipient: "a@x.org") == false)
    }

    @Test(arguments: Backend.all)
    func twoInstancesAppendingConcurrentlyKeepOneChain(_ backend: Backend) throws {
        let f = try StoreFixture(backend); defer { f.cleanup() }
        let a = try f.open { $0.poolSize = 2 }
        let b = try f.open { $0.poolSize = 2 }
        let errors = ErrorBox()
        let group = DispatchGroup()
        for (n, store) in [a, b].enumerated() {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    for i in 0..<500 {
                        try store.record(events: [grant("p\(n)-\(i % 50)@example.org", Purpose.consentable[i % 5].id)])
                    }
                } catch { errors.add(error) }
            }
        }
        group.wait()
        #expect(errors.all.isEmpty, "\(errors.all)")
        #expect(try a.verify() == .ok(1000))
        #expect(try b.export(since: nil).count == 1000)
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ e: any Error) { lock.lock(); errors.append(e); lock.unlock() }
    var all: [any Error] { lock.lock(); defer { lock.unlock() }; return errors }
}

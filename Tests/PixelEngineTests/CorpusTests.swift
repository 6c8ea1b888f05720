// CorpusTests: every corpus message (../shared/corpus, when present) through the engine, with no
// consent and with every consentable purpose: the output parses with the same leaves, non-HTML
// leaves are byte-identical, every line stays <= 998 octets, and filtering the output again changes
// nothing (idempotence: no tracker survives and nothing is added twice).
import Foundation
import Testing
import PixelEngine
import PixelMIME
import PixelPolicy

@Suite struct CorpusTests {
    static let dir = "/work/shared/corpus"

    static func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    }

    static func recipient(_ m: MIMEMessage) -> String {
        let to = m.root.header("To")?.value ?? ""
        if let lt = to.firstIndex(of: "<"), let gt = to.firstIndex(of: ">"), lt < gt { return String(to[to.index(after: lt)..<gt]) }
        return to.trimmingCharacters(in: .whitespaces)
    }

    @Test(arguments: CorpusTests.files())
    func integrityAndIdempotence(_ name: String) throws {
        let input = Array(try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/" + name)))
        let parsed = try MIMEParser.parse(input)
        let rcpt = Self.recipient(parsed)
        for profile in [ConsentProfile.none, ConsentProfile(granted: Set(Purpose.consentable), hasExpressedChoice: true)] {
            let engine = TestEngine.make()
            let first = try TestEngine.run(engine, input, recipient: rcpt, profile: profile)
            let out = try MIMEParser.parse(first.output)
            let leavesIn = parsed.leaves(), leavesOut = out.leaves()
            #expect(leavesIn.map(\.contentType.mimeType) == leavesOut.map(\.contentType.mimeType), "\(name): leaves changed")
            for (a, b) in zip(leavesIn, leavesOut) where a.contentType.type != "text" || a.isMessageRFC822 {
                let same = Array(input[a.bodyRange]) == Array(first.output[b.bodyRange])
                #expect(same, "\(name): \(a.contentType.mimeType) body changed")
            }
            #expect(TestEngine.longestLine(first.output) <= 998, "\(name): line over 998 octets")
            // Without consent a second pass is a no-op: no tracker survives and nothing is added twice.
            // (Kept exempt trackers lose their declaration on the way out, so such messages are
            // not re-filtered: their exemption would no longer be declared.)
            if profile == .none && !first.decision.dispositions.contains(.keptExempt) {
                let second = try TestEngine.run(engine, first.output, recipient: rcpt, profile: .none)
                #expect(second.analysis.trackers.isEmpty, "\(name): tracker survived: \(second.analysis.trackers.map(\.url))")
                let same = second.output == first.output
                #expect(same, "\(name): not idempotent")
            }
        }
    }
}

/// Bad input never crashes or hangs: seeded random mutations of every corpus message (truncation,
/// flipped bytes, stray `<` and `=`, a deleted run) go through analyse -> decide -> render; the
/// engine either refuses the message (EngineFailure) or renders a message that parses again.
@Suite struct MutationTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    @Test(arguments: CorpusTests.files())
    func mutatedMessagesNeverCrash(_ name: String) throws {
        let input = Array(try Data(contentsOf: URL(fileURLWithPath: CorpusTests.dir + "/" + name)))
        var rng = SplitMix(state: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        let engine = TestEngine.make()
        let consented = ConsentProfile(granted: Set(Purpose.consentable), hasExpressedChoice: true)
        for round in 0..<6 {
            var m = input
            switch round % 3 {
            case 0: m = Array(m.prefix(rng.below(m.count)))
            case 1: for _ in 0..<20 { let i = rng.below(m.count); m[i] = [UInt8(ascii: "<"), UInt8(ascii: "="), 0xFF, 0x0A, UInt8(ascii: "\"")][rng.below(5)] }
            default: let a = rng.below(m.count); let b = min(m.count, a + rng.below(400)); m.removeSubrange(a..<b)
            }
            do {
                let run = try TestEngine.run(engine, m, recipient: "x@example.org", profile: round.isMultiple(of: 2) ? .none : consented)
                _ = try MIMEParser.parse(run.output)
            } catch is EngineFailure {
                continue
            }
        }
    }
}

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

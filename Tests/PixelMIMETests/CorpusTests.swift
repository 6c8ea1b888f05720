// Corpus tests over /work/shared/corpus/*.eml: parse each message; a rewrite with no change
// gives identical bytes; a rewrite with every text/html leaf replaced by its own decoded bytes
// parses again with the same leaves, each decoding to the same bytes; random truncations and
// byte flips (seeded) never crash and keep the identity property.
import Testing
@testable import PixelMIME

@Suite struct CorpusTests {
    static let messages = T.corpus()

    @Test func corpusIsPresent() {
        #expect(Self.messages.count >= 50)
    }

    @Test func parsesCleanlyAndRewritesToIdenticalBytes() throws {
        for (name, bytes) in Self.messages {
            let m = try T.parse(bytes)
            #expect(m.defects.isEmpty, "\(name): \(m.defects)")
            #expect(!m.leaves().isEmpty)
            let out = MIMERewriter.render(MIMERewriter(message: m).chunks(), original: bytes)
            #expect(out == bytes, "\(name)")
            // Leaves tile their parents: ranges are ordered and inside the message.
            var last = 0
            for leaf in m.leaves() {
                #expect(leaf.headerRange.lowerBound >= last, "\(name)")
                #expect(leaf.bodyRange.upperBound <= bytes.count)
                last = leaf.bodyRange.upperBound
            }
        }
    }

    @Test func htmlLeavesReplacedByTheirOwnDecodedBytes() throws {
        var htmlLeaves = 0
        for (name, bytes) in Self.messages {
            let m = try T.parse(bytes)
            let leaves = m.leaves()
            var replacements: [Int: [UInt8]] = [:]
            for (i, leaf) in leaves.enumerated() where leaf.contentType.mimeType == "text/html" || leaf.contentType.mimeType == "text/x-amp-html" {
                replacements[i] = T.decoded(leaf, bytes).bytes
            }
            htmlLeaves += replacements.count
            var r = MIMERewriter(message: m)
            r.removeTopLevelHeaders(names: ["Tracking-Purposes", "Tracking-Campaign"])
            for (i, body) in replacements { try r.replaceLeaf(i, decodedBody: body) }
            let out = MIMERewriter.render(r.chunks(), original: bytes)
            let again = try T.parse(out)
            #expect(again.defects.isEmpty, "\(name)")
            #expect(again.root.header("tracking-purposes") == nil)
            let newLeaves = again.leaves()
            #expect(newLeaves.map(\.contentType) == leaves.map(\.contentType), "\(name)")
            #expect(newLeaves.map(\.transferEncoding) == leaves.map(\.transferEncoding), "\(name)")
            for (i, leaf) in leaves.enumerated() {
                let before = T.decoded(leaf, bytes).bytes
                let after = T.decoded(newLeaves[i], out).bytes
                #expect(before == after, "\(name) leaf \(i) \(leaf.contentType.mimeType)")
                if replacements[i] == nil { #expect(T.body(leaf, bytes) == T.body(newLeaves[i], out)) }
            }
            for line in out.split(separator: 10) { #expect(line.count <= 999, "\(name)") }
        }
        #expect(htmlLeaves >= 59)
    }

    @Test func randomMutationsNeverCrash() {
        var rng = SeededRNG(seed: 2026)
        var parsed = 0, refused = 0
        for (_, original) in Self.messages {
            for _ in 0..<20 {
                var bytes = original
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                case 1:
                    for _ in 0..<Int.random(in: 1...20, using: &rng) {
                        bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                default:
                    // Flip bytes near structure: hyphens, colons, line ends.
                    let structural = bytes.indices.filter { [45, 58, 10, 13, 59, 34].contains(bytes[$0]) }
                    for _ in 0..<Int.random(in: 1...10, using: &rng) {
                        if let i = structural.randomElement(using: &rng) { bytes[i] = [45, 10, 32, 34, 0].randomElement(using: &rng)! }
                    }
                }
                guard let m = try? T.parse(bytes) else { refused += 1; continue }
                parsed += 1
                let out = MIMERewriter.render(MIMERewriter(message: m).chunks(), original: bytes)
                #expect(out == bytes)
                for leaf in m.leaves() where !leaf.isMessageRFC822 {
                    _ = T.decoded(leaf, bytes)
                }
            }
        }
        #expect(parsed > 1000)
        #expect(refused == 0)
    }
}

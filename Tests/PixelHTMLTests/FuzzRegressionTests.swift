// Inputs fuzz-html found (fuzz/regressions/html/), kept as unit tests of the invariant they broke:
// the removals of one scan are pairwise disjoint or nested, never partially overlapping.
import Testing
@testable import PixelHTML

@Suite struct FuzzRegressionTests {
    static func assertNoPartialOverlap(_ bytes: [UInt8]) -> Int {
        let scan = HTMLScanner.scan(bytes)
        let removals = scan.resources.map(\.removal.range).sorted {
            $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.upperBound > $1.upperBound
        }
        for k in removals.indices.dropFirst() {
            let a = removals[k - 1], b = removals[k]
            #expect(b.lowerBound >= a.upperBound || b.upperBound <= a.upperBound, "removals partially overlap: \(a) \(b)")
        }
        let out = HTMLRewriter.apply(bytes, edits: scan.resources.map(\.removal))
        #expect(!String(decoding: out, as: UTF8.self).contains("url(k)"), "the first url() must still be removed")
        return scan.resources.count
    }

    /// A declaration whose value runs past a '{' (so its removal ends at the next ';') and a second
    /// declaration after that '{' whose unquoted url() swallows a quote: the two removals straddled.
    @Test func straddlingDeclarationsInStyleBlock() {
        let html: [UInt8] = Array("<style>content:url(k){content:url(".utf8) + [0x8F] + Array("')'); ".utf8)
        #expect(Self.assertNoPartialOverlap(html) == 2)
    }

    @Test func straddlingDeclarationsWellFormedAround() {
        let html = "<html><body><style>p{content:url(k) x{content:url(q')'); color:red}</style><img src=\"https://t.example/a.gif\"></body></html>"
        #expect(Self.assertNoPartialOverlap(Array(html.utf8)) >= 2)
    }
}

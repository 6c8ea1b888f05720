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
        var open: [Range<Int>] = []   // every removal still open, not only the previous one
        for r in removals {
            while let top = open.last, top.upperBound <= r.lowerBound { open.removeLast() }
            if let top = open.last { #expect(r.upperBound <= top.upperBound, "removals partially overlap: \(top) \(r)") }
            open.append(r)
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

    /// Three url() declarations in a row inside malformed blocks, where the one that starts first
    /// was scanned after a later-starting one: the overlap fix must see them in start order
    /// (fuzz/regressions/html/html-crash-ac8e30bb...).
    @Test func straddlingDeclarationsOutOfScanOrder() {
        var html: [UInt8] = Array("<style>content:url".utf8) + [0xD8, 0x94, 0x91, 0x90]
        html += Array("<!doctype ent:uron|ent:url".utf8) + [0xD8, 0x94, 0x91, 0x90]
        html += Array("<!doctype ent:uron|ent:url".utf8) + [0xD8, 0x94, 0x91, 0x90]
        html += Array("ent:url(k){content".utf8) + [0xFF, 0xFF, 0xFF, 0x03] + Array(":url(".utf8) + [0x8F]
        html += Array("'){content:url(https://fonts.googleapis.com/css?family=NunQt".utf8) + [0x0C]
        html += Array("o+Sans:400,700&am)ptet".utf8) + [0xFF, 0xFF, 0xFF, 0x03] + Array(":url(".utf8) + [0x8F]
        html += Array("'){content:url(l(k){content:url(".utf8) + [0x8F] + Array("'){content:url(".utf8) + [0x8F]
        html += Array("')')%; ".utf8)
        #expect(Self.assertNoPartialOverlap(html) >= 3)
    }
}

// SignatureIndexTests: the two-byte prefix index of SignatureList gives the same first match as
// trying every signature in order, on every shipped signature's own shape and on random paths.
import Testing
@testable import PixelHTML

@Suite struct SignatureIndexTests {
    /// Paths built from each shipped pattern (placeholders filled), plus random paths made of the
    /// patterns' own pieces, in several letter cases: the indexed and the linear search agree.
    @Test func indexedFirstMatchEqualsLinearScan() {
        let list = SignatureList.default
        var rng = SystemRandomNumberGenerator()
        let fills = ["", "x", "a1b2c3d4e5f6a7b8", "12345678", "eyJpZCI6IDEyMywgImMiOiAiYWJjIn0", "open", "o.gif", "AbCdEfGhIjKlMnOp1234"]
        var paths: [String] = ["/", "", "?", "/?a=1", "//", "/a", "a/b"]
        for s in list.signatures {
            for f in fills.prefix(4) {
                paths.append(s.pathPattern.replacingOccurrences(of: "*", with: f)
                    .replacingOccurrences(of: "{token}", with: "a1b2c3d4e5f6a7b8c9d0").replacingOccurrences(of: "{hex}", with: "7c1e9302405caf92")
                    .replacingOccurrences(of: "{num}", with: "4711").replacingOccurrences(of: "{seg}", with: "seg"))
            }
        }
        let pieces = list.signatures.flatMap { $0.pathPattern.split(whereSeparator: { $0 == "*" || $0 == "{" || $0 == "}" }).map(String.init) } + fills
        for _ in 0..<3000 {
            var p = Bool.random(using: &rng) ? "/" : ""
            for _ in 0..<Int.random(in: 1...4, using: &rng) { p += pieces.randomElement(using: &rng)! }
            paths.append(p)
        }
        var matched = 0
        for p in paths {
            for variant in [p, p.uppercased()] {
                let url = URLParts("https://t.brand.test" + (variant.hasPrefix("/") || variant.hasPrefix("?") ? "" : "/") + variant)
                let fast = list.firstMatch(url)?.id, slow = list.firstMatchLinear(url)?.id
                #expect(fast == slow, "\(variant)")
                if fast != nil { matched += 1 }
            }
        }
        #expect(matched > list.signatures.count)  // the comparison covers real matches, not only misses
    }

    /// An operator list merged after the shipped one keeps list order: the shipped signature wins.
    @Test func mergedListKeepsOrder() throws {
        let extra = try SignatureList(parsing: "op-wf  *  /wf/*\nop-any  *  *")
        let merged = SignatureList.default.merging(extra)
        #expect(merged.firstMatch(URLParts("https://x.test/wf/open?upn=1"))?.id == "sendgrid-open")
        #expect(merged.firstMatch(URLParts("https://x.test/wf/other"))?.id == "op-wf")
        #expect(merged.firstMatch(URLParts("https://x.test/zz"))?.id == "op-any")
        #expect(merged.firstMatch(URLParts("cid:x")) == nil)
    }

    /// `*.base` host globs match the domain and its subdomains only, by bytes.
    @Test func domainHostGlob() throws {
        let s = try Signature(id: "t", hostGlob: "*.AwsTrack.me", pathPattern: "/*")
        for h in ["awstrack.me", "r.awstrack.me", "a.b.awstrack.me"] { #expect(s.matches(host: h, pathAndQuery: "/x"), "\(h)") }
        for h in ["xawstrack.me", "awstrack.me.evil.test", "me", "", ".awstrack.mex"] { #expect(!s.matches(host: h, pathAndQuery: "/x"), "\(h)") }
        let g = try Signature(id: "g", hostGlob: "t*.example", pathPattern: "/*")
        #expect(g.matches(host: "trk.example", pathAndQuery: "/") && !g.matches(host: "x.example", pathAndQuery: "/"))
    }
}

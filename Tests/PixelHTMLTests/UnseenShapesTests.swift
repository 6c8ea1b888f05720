// UnseenShapesTests: the signals added after a probe of 35 invented cases outside the corpus
// (Tests/corpus-probe, scored by check.py in scripts/test-all.sh): token shapes
// (base32, letters-only, asset fingerprints), numbered list-manager opens, ids in any segment of a
// tiny image, style-sheet classes that size or reveal an element, and the content that must stay
// (animations and timers with alt text, sized boxes with an opaque CDN background handle).
import Testing
@testable import PixelHTML

private func trackerFlags(_ html: String, recipients: [String] = ["reader@example.org"]) -> [Bool] {
    let c = TrackerClassifier()
    return scanOf(html).resources.map { !c.evidence(for: $0, recipients: recipients).isEmpty }
}

@Suite struct UnseenShapesTests {
    let shape = TokenShape()

    @Test func singleCaseBase32AndBase36IdsAreWeak() {
        #expect(shape.strength(of: "MSHZBX72HLSAK5AT63SK2QSHK2PLIJFIABJJ") == .weak)
        #expect(shape.strength(of: "k3j9x0q7m2z8w5v1t4r6p0n9b2c7") == .weak)
        // Not ids: words, repeated patterns, too few distinct characters, too few digits.
        #expect(shape.strength(of: "NEWSLETTERHEADERBANNER2026") == .none)
        #expect(shape.strength(of: "ABABABABABABABABAB12341234") == .none)
        #expect(shape.strength(of: "summersalebannerhero") == .none)
    }

    @Test func lettersOnlyIdsNeedShortRunsAndFrequentCaseChanges() {
        #expect(shape.strength(of: "OtGMFGqDAbCcngYlGRvaQr") == .random)
        #expect(shape.strength(of: "OtGMFqDAbCcngYlGRv") == .weak) // 18 characters: below the random length
        for word in ["SummerSaleBannerHeroImage", "MyFavoriteImageOfTheDay", "HeaderLogoDarkModeVariant", "ProductPhotoGalleryMain"] {
            #expect(shape.strength(of: word) == .none, "\(word)")
        }
    }

    @Test func assetFingerprintsAreNoToken() {
        for name in ["logo-dark_7cc929933b3e6ac0.png", "spacer.d0ecd2a7b99b657e.gif", "clear-701f6c06.gif", "hero_banner.3f9a1c2e.jpg"] {
            #expect(shape.strength(of: name) == .none, "\(name)")
        }
        // A long hex tail is an id, a tail with a word in it is not hex, and no word before it is no fingerprint.
        #expect(shape.strength(of: "open-8de485233e92c51d067da53be271b2f9") == .weak)
        #expect(shape.strength(of: "8de485233e92c51d067da53be271b2f9") == .weak)
        #expect(!shape.isFingerprint(ArraySlice(Array("ab-1234abcd".utf8))))  // head of two letters
        #expect(!shape.isFingerprint(ArraySlice(Array("logo-12345678".utf8)))) // digits only
        #expect(!shape.isFingerprint(ArraySlice(Array("logo-abcdefab".utf8)))) // letters only
        #expect(shape.isFingerprint(ArraySlice(Array("logo-1234abcd".utf8))))
    }

    @Test func weakIdsCountInAnySegmentOnlyForTinyImages() {
        let url = "https://t.example.net/t/df5f6fc60b3c0469180fa770d0cd551ce4b089f7/8db7e987375e9530a77e77cacd12fb5d/spacer.gif"
        #expect(shape.strength(ofURL: url) == .none)
        #expect(shape.strength(ofURL: url, weakAnywhere: true) == .weak)
        #expect(trackerFlags(#"<img src="\#(url)" width="1" height="1">"#) == [true])
        // The same path on a sized image is an asset directory.
        #expect(trackerFlags(#"<img src="\#(url)" width="600" height="20">"#) == [false])
        // Hidden but not tiny: only the last segment counts, as before.
        #expect(trackerFlags(#"<img src="\#(url)" style="display:none">"#) == [false])
    }

    @Test func numberedOpensOfListManagers() {
        let open = "http://news.example.org/iem/open.php?M=4821937&L=12&N=3341&F=H&image=.jpg"
        #expect(trackerFlags(#"<img src="\#(open)" width="1" height="1" alt="">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(open)" style="display:none">"#) == [true])
        // Visible, or a short number (a version), or no tracking keyword: content.
        #expect(trackerFlags(#"<img src="\#(open)" width="300" height="80">"#) == [false])
        #expect(trackerFlags(#"<img src="https://cdn.example.org/img/pixel.gif?v=2" width="1" height="1">"#) == [false])
        #expect(trackerFlags(#"<img src="https://cdn.example.org/img/spacer.gif?id=4821937" width="1" height="1">"#) == [false])
        let c = TrackerClassifier()
        let r = scanOf(#"<img src="\#(open)" width="1" height="1">"#).resources[0]
        #expect(c.evidence(for: r, recipients: []).contains(.signature("tracking-path:open+id")))
    }

    @Test func unsizedGIFsWithAltTextAreContent() {
        let gif = "https://media.example.io/media/Ih164hVg6euMwyQQrw/jiffy.gif"
        let timer = "https://t.timers.example/v2/ydmQaC6PJc6LSpof.gif"
        #expect(trackerFlags(#"<img src="\#(gif)" alt="Pottery wheel spinning" style="display:block;max-width:100%;">"#) == [false])
        #expect(trackerFlags(#"<img src="\#(timer)" style="width:100%!important;" alt="Sale ends in">"#) == [false])
        // Without alt text (or with a placeholder) the same unsized GIF is a beacon.
        #expect(trackerFlags(#"<img src="\#(timer)">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(timer)" alt="">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(timer)" alt=" * ">"#) == [true])
    }

    @Test func aSizedBoxShowsItsBackground() {
        let handle = "https://cdn.example.io/jY5vvKHOonWcuWMHw0m8"
        #expect(trackerFlags(#"<td style="background-image:url('\#(handle)');background-size:cover;height:280px;">x</td>"#) == [false])
        #expect(trackerFlags(#"<td background="\#(handle)" width="600" height="300">x</td>"#) == [false])
        // Unsized or tiny, or hidden: still a token in a vector nobody sees as content.
        #expect(trackerFlags(#"<td style="background-image:url('\#(handle)')">x</td>"#) == [true])
        #expect(trackerFlags(#"<td style="background-image:url('\#(handle)');height:1px;width:1px">x</td>"#) == [true])
        #expect(trackerFlags(#"<div style="display:none;background-image:url('\#(handle)');height:280px">x</div>"#) == [true])
    }

    @Test func classesRevealedInMediaQueriesAreNotHidden() {
        let img = #"<img src="https://cdn.example.net/a/lisbon.jpg?s=bdb11fa8d0122633671533d3888436be" width="320">"#
        let media = "<style>@media only screen and (max-width:480px) { .desk { display:none !important; } .mob { display:block !important; max-height:none !important; } }</style>"
        #expect(trackerFlags(media + #"<div class="mob" style="display:none;max-height:0;overflow:hidden">\#(img)</div>"#) == [false])
        // A class hidden at the top level and shown again in a media query (mobile-only blocks).
        #expect(trackerFlags("<style>.mob{display:none} " + media.dropFirst(7) + #"<div class="mob">\#(img)</div>"#) == [false])
        // Dark-mode swap: the subject of `[data-ogsc] .logo-dark` is revealed.
        let dark = "<style>@media (prefers-color-scheme: dark) { [data-ogsc] .logo-dark { display:block !important } }</style>"
        #expect(trackerFlags(dark + #"<img class="logo-dark" style="display:none" src="https://cdn.example.net/f/logo_9f8e7d6c5b4a39281706.png" width="160" height="40">"#) == [false])
        // A class only hidden in the media query, or shown at the top level, reveals nothing.
        #expect(trackerFlags(media + #"<div class="desk" style="display:none">\#(img)</div>"#) == [true])
        #expect(trackerFlags("<style>.mob{display:block}</style>" + #"<div class="mob" style="display:none">\#(img)</div>"#) == [true])
        // A revealed element that is tiny is still a beacon.
        #expect(trackerFlags(media + #"<img class="mob" style="display:none" src="https://t.example.net/o/aZ3kQ9mX2pL7vR4tY8wB" width="1" height="1">"#) == [true])
    }

    @Test func styleSheetClassesSizeUnsizedImages() {
        let css = "<style>.fw-px{width:1px;height:1px} .hero{width:600px;height:300px}</style>"
        let u = "https://px.example.ie/b/8de485233e92c51d067da53be271b2f9.png"
        #expect(trackerFlags(css + #"<img class="fw-px" src="\#(u)" alt="">"#) == [true])
        #expect(trackerFlags(css + #"<img class="hero" src="\#(u)" alt="">"#) == [false])
        // The element's own size wins over the class.
        #expect(trackerFlags(css + #"<img class="fw-px" src="\#(u)" width="600" height="300">"#) == [false])
        // Inside a media query a size applies only to some clients: no tiny class.
        #expect(trackerFlags("<style>@media (max-width:480px){.fw-px{width:1px;height:1px}}</style>" + #"<img class="fw-px" src="\#(u)">"#) == [false])
    }

    @Test func classRulesAreBounded() {
        var css = "<style>"
        for i in 0..<2000 { css += "@media (max-width:480px) { .c\(i) { display:block } } .h\(i){display:none} .t\(i){width:1px;height:1px} " }
        css += "</style>"
        var state = CSSScanner.ClassRules()
        let bytes = Array(css.utf8)
        bytes.withUnsafeBytes { CSSScanner.classRules($0, 7..<(bytes.count - 8), into: &state, limit: ScanState.maxClassRules) }
        #expect(state.count >= ScanState.maxClassRules - 2 && state.count <= ScanState.maxClassRules + 2)
        #expect(!state.hidden.isEmpty && !state.tiny.isEmpty && !state.revealed.isEmpty)
    }
}

/// The second probe (cases 2xx-4xx of Tests/corpus-probe): content that looked like trackers.
@Suite struct UnseenShapesSecondProbeTests {
    @Test func keywordSignaturesNeedTheTokenToEndThePath() {
        #expect(trackerFlags(#"<img src="https://shop.example/open/9c2e7a1f4b6d8035/open-box-deals-banner.jpg" width="600" height="200" alt="Open-box deals">"#) == [false])
        #expect(trackerFlags(#"<img src="https://shop.example/pixel/3f9a2c7e1b5d8046/pixel-9-obsidian.jpg" width="280" height="280" alt="Pixel 9">"#) == [false])
        // The endpoints themselves still match, with a file name or a query after the token.
        #expect(SignatureList.default.firstMatch(URLParts("https://t.example.com/open/K0Hy7TMep6FCiA2Ay-Ailb-pMuDr8IFQb48i4sG6.gif"))?.id == "open-token")
        #expect(SignatureList.default.firstMatch(URLParts("https://t.example.com/open/ccNBPHSUAHG6T1R7VI4efndf?u=d4dd6e54&c=564"))?.id == "open-token-query")
        #expect(SignatureList.default.firstMatch(URLParts("https://x.example.com/a/pixel/ccNBPHSUAHG6T1R7VI4efndf"))?.id == "pixel-token")
        #expect(SignatureList.default.firstMatch(URLParts("https://x.example.com/o/5f0c6a52-8a9e-4c51-9d0e-3b1f2a7c9e44/0c8e1d3a-6b7f-4e2a-9c5d-8f1a2b3c4d5e"))?.id == "o-token-pair")
    }

    @Test func relativeWidthMeansDrawn() {
        let map = "https://maps.example/staticmap?center=55.9,-3.1&size=600x300&key=AIzaSyD7Kq2Xw9Lp4Tn8Vb3Hc6Zr1Mj5Qe0Wf8"
        #expect(trackerFlags(#"<img src="\#(map)" alt="" style="width:100%;max-width:600px;display:block">"#) == [false])
        #expect(trackerFlags(#"<img src="\#(map)" alt="" width="100%">"#) == [false])
        // A few percent is no container-wide box; unsized and extension-less with a token, a beacon.
        #expect(trackerFlags(#"<img src="\#(map)" alt="" width="5%">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(map)" alt="">"#) == [true])
    }

    @Test func maxSizesCapTheDrawnSize() {
        let u = "https://t.example.net/m/Zp4kT9qW2xR7vB3nYc5.png"
        #expect(trackerFlags(#"<img src="\#(u)" style="max-width:1px;max-height:1px" alt="">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(u)" width="600" height="300" style="max-width:1px;max-height:1px">"#) == [true])
        #expect(trackerFlags(#"<img src="\#(u)" width="600" height="300" style="max-width:600px">"#) == [false])
    }

    @Test func separatorsAloneDoNotMakeAnId() {
        let shape = TokenShape()
        #expect(shape.strength(of: "rule-grey-600x1.png") == .none)
        #expect(shape.strength(of: "banner_2026-06_v2.png") == .none)
        #expect(trackerFlags(#"<img src="https://pulse.example/static/rule-grey-600x1.png" width="100%" height="1" alt="">"#) == [false])
        // A long mixed id keeps counting when separators split it into pieces that are ids themselves.
        #expect(shape.strength(of: "k3j9x0q7m2z8-w5v1t4r6p0n9") == .weak)
    }

    @Test func photosNamedAfterAnAssetIdAreContentInCSS() {
        let hero = "https://images.cms.example/8zq3lbx2y1vq/4Kb9DqZ7wLxH2mT1pVcR8s/2a7e4c9f1b3d5e6a8c0f2b4d6e8a0c1f/summer-hero.jpg"
        #expect(trackerFlags("<style>.hero{background-image:url('\(hero)');height:320px}</style>") == [false])
        #expect(trackerFlags(#"<td background="\#(hero)" style="background-image:url('\#(hero)')">Surf school</td>"#) == [false, false])
        // The token in the name, a GIF/PNG name, or a hidden box: still a beacon.
        #expect(trackerFlags("<style>.x{background-image:url('https://t.example.net/m/7UximOZ3uLIPRW3FbK805qAj/desktop.gif')}</style>") == [true])
        #expect(trackerFlags("<style>.x{background-image:url('https://t.example.net/bg/Ylbx1xGJok8zJRxwlGDJLcfs.jpg')}</style>") == [true])
        #expect(trackerFlags(#"<div style="display:none;background-image:url('\#(hero)')">x</div>"#) == [true])
    }
}

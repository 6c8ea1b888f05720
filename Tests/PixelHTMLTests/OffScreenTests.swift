// OffScreenTests: boxes hidden by moving them out of view or drawing them with no area, in style
// attributes and hidden-class rules, and what the classifier makes of a token behind them.
import Testing
@testable import PixelHTML

private func flags(_ style: String) -> HiddenFlags {
    let b = Array(style.utf8)
    return b.withUnsafeBytes { InlineStyle($0, 0..<b.count).hidden }
}

private func farNegative(_ value: String) -> Bool {
    let b = Array(value.utf8)
    return b.withUnsafeBytes { OffScreen.isFarNegative($0, 0..<b.count) }
}

@Suite struct OffScreenTests {
    @Test func farNegativeLengths() {
        for v in ["-9999px", "-500px", "-5000PX !important", "-9999", "-999em", "-30rem", "-100%", "-150vw", "-400pt"] {
            #expect(farNegative(v), "\(v)")
        }
        for v in ["-499px", "-20px", "-10em", "-50%", "9999px", "0", "auto", "-", "-px", "calc(-9999px)", "-374pt"] {
            #expect(!farNegative(v), "\(v)")
        }
    }

    @Test func positionedFarOffsetsAreOffScreenInAnyOrder() {
        #expect(flags("position:absolute;left:-9999px").contains(.offScreen))
        #expect(flags("left:-9999px; top:-9999px; position:fixed").contains(.offScreen))
        #expect(flags("POSITION: Relative; RIGHT: -5000px").contains(.offScreen))
        #expect(flags("position:absolute;bottom:-10000px !important").contains(.offScreen))
        #expect(flags("margin-left:-9999px").contains(.offScreen))
        #expect(flags("margin-top:-2000px").contains(.offScreen))
        // Offsets do not move a static box; small offsets are layout.
        #expect(flags("left:-9999px").isEmpty)
        #expect(flags("position:static;left:-9999px").isEmpty)
        #expect(flags("position:absolute;left:-20px;top:0").isEmpty)
        #expect(flags("position:relative;left:10px").isEmpty)
        #expect(flags("margin-left:-20px").isEmpty)
        #expect(flags("position:absolute;left:-9999px").hidesBox)
    }

    @Test func zeroAreaClips() {
        #expect(flags("position:absolute;clip:rect(0 0 0 0)").contains(.clippedAway))
        #expect(flags("clip: rect(1px, 1px, 1px, 1px); position: absolute").contains(.clippedAway))
        #expect(flags("position:absolute;clip:rect(0px,0px,0px,0px);width:20px").contains(.clippedAway))
        #expect(flags("clip-path:inset(50%)").contains(.clippedAway))
        #expect(flags("clip-path: inset(100%)").contains(.clippedAway))
        #expect(flags("clip-path:circle(0)").contains(.clippedAway))
        #expect(flags("transform:scale(0)").contains(.clippedAway))
        #expect(flags("transform: scale(1, 0)").contains(.clippedAway))
        #expect(flags("transform:translateX(10px) scaleY(0)").contains(.clippedAway))
        #expect(flags("-webkit-transform:scale(0);transform:scale3d(0,0,1)").contains(.clippedAway))
        // clip needs a positioned box; visible clips and scales are layout.
        #expect(flags("clip:rect(0 0 0 0)").isEmpty)
        #expect(flags("position:absolute;clip:rect(0px,20px,20px,0px)").isEmpty)
        #expect(flags("position:absolute;clip:auto").isEmpty)
        #expect(flags("clip-path:inset(10%)").isEmpty)
        #expect(flags("clip-path:circle(50%)").isEmpty)
        #expect(flags("transform:scale(0.5)").isEmpty)
        #expect(flags("transform:rotate(0deg)").isEmpty)
        #expect(flags("transform:scale(1.0)").isEmpty)
    }

    @Test func aTokenBehindAnOffScreenBoxIsATracker() {
        let c = TrackerClassifier()
        let token = "https://img.brand.test/i/8f7a6c5d4e3b2a19c0d1e2f3.png"
        let html = "<div style=\"position:absolute;left:-9999px\"><img src=\"\(token)\" width=\"20\" height=\"20\"></div>"
            + "<img src=\"\(token)\" style=\"position:absolute;clip:rect(0 0 0 0)\" width=\"20\" height=\"20\">"
            + "<img src=\"\(token)\" style=\"transform:scale(0)\" width=\"20\" height=\"20\">"
            + "<style>.sr-only{position:absolute;clip:rect(1px,1px,1px,1px)}</style><img class=\"sr-only\" src=\"\(token)\" width=\"20\" height=\"20\">"
            // The same image in view stays content, as does an off-screen image with no token.
            + "<img src=\"\(token)\" width=\"20\" height=\"20\">"
            + "<div style=\"position:absolute;left:-9999px\"><img src=\"https://img.brand.test/i/logo.png\" width=\"20\" height=\"20\"></div>"
        let ev = scanOf(html).resources.map { c.evidence(for: $0, recipients: ["reader@example.org"]) }
        #expect(ev.map(\.count) == [1, 1, 1, 1, 0, 0])
        #expect(ev[0] == [.hiddenWithToken("hidden wrapper + token")])
        #expect(ev[1] == [.hiddenWithToken("hidden + token")])
    }
}

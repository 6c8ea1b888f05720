// EngineTests: analyse/decide/render behaviour on small messages: untouched bytes, header removal,
// gating with authentic tokens, footers, anonymous_statistics verification (every identifier form,
// missing campaign, URL changing across messages), unparseable limits, variants.
import Foundation
import Testing
import PixelCrypto
import PixelEngine
import PixelHTML
import PixelMIME
import PixelPolicy

@Suite struct EngineTests {
    static let rcpt = "Ana.Lima@Example.org"
    static let pixel = "https://u9.esp-mail.example/wf/open?upn=Zq3RkT9wX2mB7vLp4sN8yC1dF6hJ0aE5"

    static func message(headers: [String] = [], html: String, text: String? = "Hello\r\n") -> [UInt8] {
        var m = "From: a@shop.example\r\nTo: \(rcpt)\r\nSubject: t\r\nMessage-ID: <t@shop.example>\r\nMIME-Version: 1.0\r\n"
        for h in headers { m += h + "\r\n" }
        if let text {
            m += "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(text)\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\(html)\r\n--b1--\r\n"
        } else {
            m += "Content-Type: text/html; charset=utf-8\r\n\r\n\(html)\r\n"
        }
        return Array(m.utf8)
    }

    static func body(_ img: String) -> String { "<html><body><p>Hi</p>\(img)</body></html>" }

    @Test func messageWithoutTrackersIsCopiedExactly() throws {
        let m = Self.message(html: Self.body("<img src=\"https://cdn.shop.example/logo.png\" width=\"120\" height=\"40\">"))
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(run.analysis.trackers.isEmpty)
        #expect(run.output == m)
    }

    @Test func noConsentRemovesTrackerAndTrackingHeaders() throws {
        let m = Self.message(headers: ["Tracking-Purposes: open_measurement", "Tracking-Campaign: c1"],
                             html: Self.body("<img src=\"\(Self.pixel)\" width=\"1\" height=\"1\" alt=\"\">"))
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(run.analysis.trackers.count == 1)
        #expect(run.analysis.trackers[0].attribution.source == .header)
        #expect(!TestEngine.contains(run.output, "wf/open"))
        #expect(!TestEngine.contains(run.output, "Tracking-"))
        #expect(TestEngine.contains(run.output, "<p>Hi</p></body>"))
        #expect(run.decision.footer == .none)
    }

    @Test func consentGatesWithAuthenticTokenAndAddsFooters() throws {
        let m = Self.message(html: Self.body("<img src=\"\(Self.pixel)\" width=\"1\" height=\"1\" data-tracking-purpose=\"open_measurement\">"))
        let profile = ConsentProfile(granted: [.openMeasurement], eventIDs: [4], hasExpressedChoice: true)
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: profile)
        #expect(run.decision.dispositions == [.gated])
        #expect(run.decision.footer == .withdraw)
        let out = String(decoding: run.output, as: UTF8.self)
        #expect(!out.contains("data-tracking-purpose"))
        #expect(!out.contains("wf/open"))
        // Gate token: authentic, carries the original URL and the purposes.
        let gate = try #require(out.range(of: "https://consent.example.test/o/"))
        let token = String(out[gate.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        let payload = try #require(TestEngine.keyring().open(token))
        #expect(payload.kind == .gate && payload.url == Self.pixel && payload.purposes == [.openMeasurement] && payload.recipient == Self.rcpt)
        // Withdrawal link in both parts, before </body> in HTML.
        #expect(out.components(separatedBy: "https://consent.example.test/w/").count == 3)
        #expect(out.contains("Retirer mon consentement</a></p></body>"))
    }

    /// A relative pixel under `<base href>` is fetched from the base's host by clients that honour
    /// <base>: it is found, removed without consent, and gated to the absolute URL with consent.
    @Test func relativePixelUnderBaseHref() throws {
        let html = "<html><head><base href=\"https://u9.esp-mail.example/wf/\"></head><body><p>Hi</p>"
            + "<img src=\"open?upn=Zq3RkT9wX2mB7vLp4sN8yC1dF6hJ0aE5\" width=\"1\" height=\"1\" alt=\"\" data-tracking-purpose=\"open_measurement\">"
            + "<img src=\"img/logo.png\" width=\"120\" height=\"40\"></body></html>"
        let m = Self.message(html: html)
        let none = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(none.analysis.trackers.map(\.resource.url) == [Self.pixel])
        let stripped = String(decoding: none.output, as: UTF8.self)
        #expect(!stripped.contains("open?upn") && stripped.contains("<img src=\"img/logo.png\""))
        let granted = ConsentProfile(granted: [.openMeasurement], eventIDs: [4], hasExpressedChoice: true)
        let gated = String(decoding: try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: granted).output, as: UTF8.self)
        let gate = try #require(gated.range(of: "https://consent.example.test/o/"))
        let token = String(gated[gate.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(try #require(TestEngine.keyring().open(token)).url == Self.pixel)
    }

    @Test func exemptTrackerIsKeptByteForByte() throws {
        let img = "<img src=\"\(Self.pixel)&amp;k=1\" width=\"1\" height=\"1\" data-tracking-purpose=\"authentication_security\">"
        let m = Self.message(html: Self.body(img), text: nil)
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(run.decision.dispositions == [.keptExempt])
        #expect(TestEngine.contains(run.output, "<img src=\"\(Self.pixel)&amp;k=1\" width=\"1\" height=\"1\">"))
        #expect(run.decision.footer == .none)
    }

    /// Every recipient-identifier form refuses an anonymous_statistics claim.
    @Test(arguments: ["plain", "lower", "upper-urlencoded", "urlencoded", "base64", "base64url", "md5", "sha1", "sha256"])
    func anonymousStatisticsRefusedForIdentifier(_ form: String) throws {
        let lower = Self.rcpt.lowercased()
        let id: String
        switch form {
        case "plain": id = Self.rcpt
        case "lower": id = lower
        case "upper-urlencoded": id = lower.replacingOccurrences(of: "@", with: "%40")
        case "urlencoded": id = Self.rcpt.replacingOccurrences(of: "@", with: "%40")
        case "base64": id = Data(lower.utf8).base64EncodedString()
        case "base64url": id = Base64URL.encode(Array(lower.utf8))
        case "md5": id = Digest.hex(Digest.hash(.md5, Array(lower.utf8)))
        case "sha1": id = Digest.hex(Digest.hash(.sha1, Array(lower.utf8)))
        default: id = Digest.hex(Digest.sha256(Array(lower.utf8)))
        }
        let url = "https://stats.shop.example/c/x.gif?r=\(id)"
        let m = Self.message(headers: ["Tracking-Campaign: spring"],
                             html: Self.body("<img src=\"\(url)\" width=\"1\" height=\"1\" data-tracking-purpose=\"anonymous_statistics\">"))
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(run.analysis.trackers.count == 1)
        guard case .refusedExemption(.recipientIdentifier)? = run.decision.dispositions.first.flatMap({ if case .removed(let r) = $0 { return r } else { return nil } }) else {
            Issue.record("\(form): expected a refused claim, got \(run.decision.dispositions)")
            return
        }
        #expect(!TestEngine.contains(run.output, "stats.shop.example"))
    }

    @Test func anonymousStatisticsVerifiedThenUrlChangeRefused() throws {
        let engine = TestEngine.make()
        func send(_ url: String, campaign: String?) throws -> TestEngine.Run {
            let m = Self.message(headers: campaign.map { ["Tracking-Campaign: \($0)"] } ?? [],
                                 html: Self.body("<img src=\"\(url)\" width=\"1\" height=\"1\" data-tracking-purpose=\"anonymous_statistics\">"))
            return try TestEngine.run(engine, m, recipient: Self.rcpt, profile: .none)
        }
        let first = try send("https://stats.shop.example/c/spring.gif", campaign: "spring")
        #expect(first.decision.dispositions == [.keptExempt])
        #expect(TestEngine.contains(first.output, "https://stats.shop.example/c/spring.gif"))
        let again = try send("https://stats.shop.example/c/spring.gif", campaign: "spring")
        #expect(again.decision.dispositions == [.keptExempt])
        let changed = try send("https://stats.shop.example/c/spring-2.gif", campaign: "spring")
        #expect(changed.decision.dispositions == [.removed(.refusedExemption(.urlDiffersForCampaign("spring")))])
        let noCampaign = try send("https://stats.shop.example/c/spring.gif", campaign: nil)
        #expect(noCampaign.decision.dispositions == [.removed(.refusedExemption(.missingCampaign))])
    }

    @Test func unknownPurposeAndUndeclaredNeverKept() throws {
        let html = Self.body("<img src=\"\(Self.pixel)\" width=\"1\" height=\"1\" data-tracking-purpose=\"open_measurement ad_retargeting\"><img src=\"https://t.shop.example/track/open.php?u=8f3a9c2e71b4d&amp;id=5e6f7a8b9c0d1e2f\" width=\"1\" height=\"1\">")
        let all = ConsentProfile(granted: Set(Purpose.consentable), hasExpressedChoice: true)
        let run = try TestEngine.run(TestEngine.make(), Self.message(html: html), recipient: Self.rcpt, profile: all)
        #expect(run.analysis.trackers.count == 2)
        #expect(run.analysis.trackers[0].purposeIDs == ["open_measurement", "ad_retargeting"])
        #expect(run.decision.keptIndices.isEmpty)
        #expect(!TestEngine.contains(run.output, "wf/open") && !TestEngine.contains(run.output, "open.php"))
    }

    @Test func unparseableLimits() throws {
        let engine = TestEngine.make(EngineSettings(maxHTMLPart: 64))
        let big = Self.message(html: Self.body(String(repeating: "<p>long</p>", count: 20)))
        #expect(throws: EngineFailure.self) { _ = try big.withUnsafeBytes { try engine.analyse($0, recipients: []) } }
        var deep = "From: a@b\r\nMIME-Version: 1.0\r\n"
        for i in 0..<60 { deep += "Content-Type: multipart/mixed; boundary=\"d\(i)\"\r\n\r\n--d\(i)\r\n" }
        deep += "Content-Type: text/plain\r\n\r\nx\r\n"
        #expect(throws: EngineFailure.self) { _ = try Array(deep.utf8).withUnsafeBytes { try TestEngine.make().analyse($0, recipients: []) } }
        let utf16 = Array("From: a@b\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n\r\n//48AGgAdABtAGwAPgA=\r\n".utf8)
        #expect(throws: EngineFailure.self) { _ = try utf16.withUnsafeBytes { try TestEngine.make().analyse($0, recipients: []) } }
    }

    @Test func variantsShareOnlyImpersonalCopies() throws {
        let engine = TestEngine.make()
        let m = Self.message(html: Self.body("<img src=\"\(Self.pixel)\" width=\"1\" height=\"1\" data-tracking-purpose=\"open_measurement\">"))
        let rcpts = ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]
        let consented = ConsentProfile(granted: [.openMeasurement], hasExpressedChoice: true)
        let profiles: [ConsentProfile] = [.none, consented, .none, consented]
        let variants = try m.withUnsafeBytes { buf in
            let a = try engine.analyse(buf, recipients: rcpts)
            let ds = zip(rcpts, profiles).map { engine.decide(a, recipient: $0, profile: $1) }
            return try engine.variants(a, message: buf, recipients: rcpts, decisions: ds)
        }
        #expect(variants.map(\.recipients) == [[0, 2], [1], [3]])
        #expect(variants.map(\.label) == ["v1", "v2", "v3"])
        let v2 = MIMERewriter.render(variants[1].chunks, original: m)
        let v3 = MIMERewriter.render(variants[2].chunks, original: m)
        #expect(v2 != v3)
    }

    @Test func attachedMessageIsNeverTouched() throws {
        let inner = "From: x@y\r\nTo: z@y\r\nSubject: in\r\nContent-Type: text/html\r\n\r\n<img src=\"\(Self.pixel)\" width=\"1\" height=\"1\">\r\n"
        let m = Array(("From: a@b\r\nTo: \(Self.rcpt)\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--m--\r\n").utf8)
        let run = try TestEngine.run(TestEngine.make(), m, recipient: Self.rcpt, profile: .none)
        #expect(run.analysis.trackers.isEmpty)
        #expect(run.output == m)
    }
}

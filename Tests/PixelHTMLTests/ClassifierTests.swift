// ClassifierTests: evidence rules — signatures (and the content they must not match), tiny/hidden +
// token with the spacer/icon/logo traps, proxies, cid:/data:, operator rules, declared purposes.
import Testing
@testable import PixelHTML

private func evidence(_ html: String, recipients: [String] = ["reader@example.org"]) -> [[Evidence]] {
    let c = TrackerClassifier()
    return scanOf(html).resources.map { c.evidence(for: $0, recipients: recipients) }
}

private func signatureID(_ url: String) -> String? { SignatureList.default.firstMatch(URLParts(url))?.id }

@Suite struct ClassifierTests {
    @Test func espOpenShapesMatchOnAnyHost() {
        let opens = [
            "https://url1234.brand.test/wf/open?upn=abc", "https://x.brand.test/track/open.php?u=1&id=2",
            "https://abc.r.eu-west-3.awstrack.me/I0/0102-aa/bb=1", "http://email.brand.test/o/eNoNyk0OQDAQBtC7zFpk",
            "https://cl.brand.test/open.aspx?ffcb10-fe&d=1", "https://go.brand.test/trk?t=1&mid=abc",
            "https://t.brand.test/e2t/to/VsXGWIJFGR52v", "https://r.brand.test/tr/op/NRyA_JF6P43U",
            "https://x.brand.test/oo/aDkazW8QJKGIxmTBlNC/a6ab1d30/e.gif", "https://x.brand.test/t/d-o-abcdef-t/o.gif",
            "https://x.brand.test/on.jsp?ca=1&a=2", "https://e.brand.test/e/o/eyJlbWFpbF9pZCI6IC",
            "https://links.brand.test/e/eo?_t=1&_m=2", "https://go.brand.test/q/jslcYtQwJE~~/AABV~/Rg~~",
            "https://x.brand.test/via/o?h=1f79b70d", "https://lists.brand.test/campaign/ab-cd/ef-12/px.png",
            "https://m.brand.test/email/30fee37aee90e.gif", "https://brand.test/lists/ut.php?u=1&m=2",
            "https://ea.brand.test/open?m=v3_1.abc", "https://s1.t.brand.test/e/FooterImages/FooterImage1?elq=1",
            "https://x.brand.test/lt.php?nl=1&c=2&l=open", "https://mail.brand.test/sendy/t/a/b",
            "https://tracker.test/trace/mail/e2232.png", "https://x.emltrk.com/v2/anything",
            "https://www.analytics.test/collect?v=1&tid=UA-1&t=event", "https://stats.brand.test/matomo.php?idsite=3&rec=1",
            "https://crm.brand.test/servlet/servlet.ImageServer?oid=00D&esid=018",
        ]
        for u in opens { #expect(signatureID(u) != nil, "\(u)") }
    }

    @Test func urlParsingLikeBrowsers() {
        #expect(signatureID("https:\\\\t.brand.test\\wf\\open?upn=abc") == "sendgrid-open")
        #expect(signatureID(" https://t.brand.\ntest/wf/op\ten?upn=abc ") == "sendgrid-open")
        #expect(signatureID("https:t.brand.test/wf/open?upn=abc") == "sendgrid-open")
        #expect(signatureID("https:///t.brand.test/wf/open?upn=abc") == "sendgrid-open")
        #expect(signatureID("//t.brand.test/wf/open?upn=abc") == "sendgrid-open")
        #expect(signatureID("HTTPS://T.BRAND.TEST/WF/OPEN?upn=abc") == "sendgrid-open")
        #expect(URLParts("https://user:pw@Host.Test:8443/p?q#f") == { var u = URLParts(""); u.scheme = "https"; u.host = "host.test"; u.pathAndQuery = "/p?q"; return u }())
        #expect(URLParts("/relative/wf/open?upn=x").isRemote == false)
        #expect(URLParts("cid:x@y").isRemote == false)
    }

    @Test func contentAndClickShapesDoNotMatch() {
        let content = [
            "https://u1.brand.test/ls/click?upn=abc", "https://x.brand.test/track/click?u=1&id=2",
            "https://f.hubspotusercontent30.net/hubfs/4191039/bg.png", "https://f.hubspotusercontent30.net/hub/1/hubfs/a.png?width=1040",
            "https://mcusercontent.com/9a3d1e2b/images/5c1e-aa.png", "https://cdn-images.mailchimp.com/icons/social-block-v2/color-facebook-48.png",
            "https://firebasestorage.googleapis.com/v0/b/x.appspot.com/o/email%2Fbanner.png?alt=media&token=acaaec3a-4a78",
            "https://cdn.brand.test/o/logo.png", "https://r.brand.test/tr/cl/abc", "https://brand.test/lists/lt.php?tid=abc",
            "http://image.e.brand.test/lib/fe24280123295bb1/m/1/1aeaa48c-c8ea-4740-9e8c-88d60d0db2d3.png",
            "https://track.brand.test/static/web/images/logo-48px.png?t=2100814770070",
            "https://abc.r.us-east-1.awstrack.me/L0/https%3A%2F%2Fbrand.test/1/0101-aa/xx=1",
            "https://cdn.brand.test/email/20260501.gif", "https://cdn.brand.test/email/deadbeef.gif",
        ]
        for u in content { #expect(signatureID(u) == nil, "\(u)") }
    }

    @Test func tinyOrHiddenWithTokenIsATracker() {
        let ev = evidence("<img src=\"https://px.brand.test/u/OmlTXKGjovJ0z98Y7N71L6h4NFV3.gif\" width=\"1\" height=\"1\">"
            + "<div style=\"display:none;max-height:0\"><img src=\"https://px.brand.test/p/J4OOXu7Jve1UBp55SU7.gif\"></div>"
            + "<img src=\"https://api.brand.test/api/t?t=Wg8HcNbNKPsVLHVg8xEPBbfP\" width=\"600\" height=\"1\" style=\"display:block\">"
            + "<img src=\"https://px.brand.test/x?id=7c1e9302405caf92c5d50dc26a4e63de\" style=\"width:0;height:0\">")
        #expect(ev.map(\.count) == [1, 1, 1, 1])
        #expect(ev[0] == [.hiddenWithToken("1x1 + token")])
        #expect(ev[1] == [.hiddenWithToken("hidden wrapper + token")])
        #expect(ev[2] == [.hiddenWithToken("600x1 + token")])
        let unsized = evidence("<img src=\"https://t.brand.test/b/2Qk1NFkhWVAGFspP4z422y4NYF03.gif\" alt=\"\">"
            + "<img src=\"https://t.brand.test/b/2Qk1NFkhWVAGFspP4z422y4NYF03.jpg\" alt=\"\">"
            + "<img src=\"https://t.brand.test/b/2Qk1NFkhWVAGFspP4z422y4NYF03.gif\" width=\"300\">")
        #expect(unsized.map(\.count) == [1, 0, 0])
    }

    @Test func spacersIconsLogosAreContent() {
        let html = "<img src=\"https://cdn.brand.test/Content/images/spacer.gif\" width=\"1\" height=\"1\">"
            + "<img src=\"https://cdn.brand.test/email/blank.gif\" width=\"600\" height=\"1\" style=\"max-height:0px\">"
            + "<div style=\"display:none\"><img src=\"https://d1.cloudfront.net/public/users/Integrators/3cbb42ad-5bee-4d3f-83f1-6ccde73363fd/ddb3a2c205365edc0e1100d718116b30/spacer.gif\" width=\"720\" height=\"1\"></div>"
            + "<img src=\"https://d2.cloudfront.net/1a6fe1df-4c4a-4825-acc0-be1267aa77eb/Arrow.png\" width=\"13\" height=\"13\">"
            + "<img src=\"https://static.brand.test/icons/facebook-48.png\" width=\"24\" height=\"24\">"
            + "<img src=\"https://static.brand.test/avatars/5134744/square_128/clara-1712.jpg?1068178116\" width=\"24\" height=\"24\">"
            + "<img src=\"https://via.placeholder.com/200x50\" width=\"200\" height=\"50\">"
            + "<img src=\"cid:logo-69f82075@brand.test\" width=\"1\" height=\"1\">"
            + "<img src=\"data:image/gif;base64,R0lGODlhAQABAPAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==\" width=\"1\" height=\"1\">"
            + "<img src=\"https://ci3.googleusercontent.com/proxy/7Td66GB4zF6lnMSiJp9uLmznwKMAPFVh1mS74Mq45HTK=s0-d-e1-ft#https://cdn.brand.test/hubfs/1/a.jpg\" width=\"600\">"
            + "<td style=\"background-image:url('https://img.brand.test/appeal/lighthouse-bg.jpg')\">"
            + "<style>.p{background:url(https://media.brand.test/posters/the-keeper.jpg)}</style>"
        for (i, e) in evidence(html).enumerated() { #expect(e.isEmpty, "resource \(i): \(e)") }
    }

    @Test func tokenAloneInvisibleVectors() {
        let ev = evidence("<td background=\"https://t.brand.test/td/kwEeuYKw90nT4732QmFpYoKT7ORS.gif\">"
            + "<style>.h::before{content:url('https://o.brand.test/m/BEd5IeimMoCgqPfujr1noSkS/desktop.gif')}</style>"
            + "<link rel=stylesheet href=\"https://t.brand.test/css/-ry7aiTUYPYhHbMDLP-WR6DcmPY1A8.css\">"
            + "<td background=\"https://img.brand.test/cdn/7a71fef151dce8bc04a20935.png\">")
        #expect(ev[0] == [.hiddenWithToken("background-attr + token")])
        #expect(ev[1] == [.hiddenWithToken("css-block + token")])
        #expect(ev[2] == [.hiddenWithToken("link + token")])
        #expect(ev[3].isEmpty) // a hex content-library name is not a per-message token on a visible vector
    }

    @Test func trackingKeywordPathWithToken() {
        let ev = evidence("<td style=\"background:url(https://x.brand.test/px/7c1e9302405caf92c5d50dc26a4e63de.gif)\">"
            + "<img src=\"https://x.brand.test/beacon.gif?m=7c1e9302405caf92c5d50dc26a4e63de\" width=\"300\">"
            + "<img src=\"https://track.brand.test/static/img/logo-48px.png?t=2100814770070\" width=\"48\">"
            + "<img src=\"https://x.brand.test/px/logo.png\" width=\"48\">")
        #expect(ev[0] == [.signature("tracking-path:px")])
        #expect(ev[1] == [.signature("tracking-path:beacon")])
        #expect(ev[2].isEmpty && ev[3].isEmpty)
    }

    @Test func proxiedTrackerJudgedByOrigin() {
        let ev = evidence("<img src=\"https://ci3.googleusercontent.com/proxy/hf1r4XDG=s0-d-e1-ft#https://i7.t.brand.test/e2t/to/VsXGWIJFGR52vzHk\" width=\"600\">")
        #expect(ev[0] == [.signature("hubspot-open-e2t")])
    }

    @Test func ampTrackingElements() {
        let ev = evidence("<amp-pixel src=\"https://p.brand.test/p?r=RANDOM\"></amp-pixel><amp-analytics config=\"https://a.brand.test/c.json\"></amp-analytics>")
        #expect(ev[0] == [.signature("amp-pixel")])
        #expect(ev[1] == [.signature("amp-analytics")])
    }

    @Test func declaredAndRecipientAndRule() throws {
        let rule = URLRule(hostGlob: "*.brand.test", pathGlob: "/stats/*", purposes: ["open_measurement"])
        let c = TrackerClassifier(signatures: .default, rules: [rule])
        let html = "<img src=\"https://x.brand.test/stats/c.png?r=reader%40example.org\" width=\"300\" data-tracking-purpose=\"anonymous_statistics\">"
            + "<img src=\"cid:a@b\" data-tracking-purpose=\"authentication_security\">"
        let rs = scanOf(html).resources
        #expect(c.evidence(for: rs[0], recipients: ["Reader@Example.org"])
                == [.declared(["anonymous_statistics"]), .recipientIdentifier("urlencoded"), .rule("*.brand.test /stats/*")])
        #expect(c.evidence(for: rs[1], recipients: []) == [.declared(["authentication_security"])])
        #expect(c.rule(matching: rs[0].url)?.purposes == ["open_measurement"])
        #expect(!rule.matches("https://brand.test.evil/stats/x"))
        #expect(rule.matches("https://brand.test/stats/x"))
        #expect(URLRule(hostGlob: "", pathGlob: "", purposes: []).matches("https://any.test/x"))
    }

    @Test func signatureFileFormat() throws {
        let list = try SignatureList(parsing: "# c\n\nmine  *.corp.test  /beacon/{token}*  # trailing\n")
        #expect(list.signatures.map(\.id) == ["mine"])
        #expect(list.firstMatch(URLParts("https://a.corp.test/beacon/Ab3dE5fG7hJ9kL1mN3pQ?x")) != nil)
        #expect(list.firstMatch(URLParts("https://a.corp.test/beacon/about-us")) == nil)
        #expect(throws: SignatureError.badLine(line: 2, text: "two fields")) { try SignatureList(parsing: "\ntwo fields\n") }
        #expect(throws: SignatureError.badPattern("/x/{nope}")) { try SignatureList(parsing: "a * /x/{nope}") }
        #expect(throws: SignatureError.unreadable(path: "/nonexistent/sigs.txt")) { try SignatureList.load(path: "/nonexistent/sigs.txt") }
        let merged = SignatureList.default.merging(list)
        #expect(merged.signatures.count == SignatureList.default.signatures.count + 1)
        #expect(SignatureList.default.signatures.count >= 50)
    }
}

@Suite struct TokenShapeTests {
    @Test func strengths() {
        let t = TokenShape()
        #expect(t.strength(of: "K0Hy7TMep6FCiA2Ay-Ailb-pMuDr8IFQb48i4sG6.gif") == .random)
        #expect(t.strength(of: "Wg8HcNbNKPsVLHVg8xEPBbfPPYANC5U5x3jJxuYABN5AV300") == .random)
        #expect(t.strength(of: "7c1e9302405caf92c5d50dc26a4e63de") == .weak)
        #expect(t.strength(of: "c7412d46-2cc2-415f-b86d-5fa03f16d893") == .weak)
        #expect(t.strength(of: "spacer.gif") == .none)
        #expect(t.strength(of: "PostgraduateOpenEvening2026") == .none)
        #expect(t.strength(of: "product-photo-2026-05.jpg") == .none)
        #expect(t.strength(of: "2100814770070") == .none)
        #expect(t.strength(of: "IIIIIIIIIIIIIIIIIIIIIIIIIIII") == .none)
        #expect(t.strength(of: "CABINET_Documents_Images") == .none)
        #expect(t.strength(ofURL: "https://c.test/users/3cbb42ad-5bee-4d3f-83f1-6ccde73363fd/spacer.gif") == .none)
        #expect(t.strength(ofURL: "https://c.test/o.gif?u=3cbb42ad-5bee-4d3f-83f1-6ccde73363fd") == .weak)
    }
}

@Suite struct RecipientIdentifierTests {
    let addr = "Jane.Doe+news@Example.COM"

    @Test func formsAreComputed() {
        let forms = RecipientIdentifier.forms(of: addr)
        let values = Set(forms.map(\.value))
        #expect(values.contains("jane.doe+news@example.com"))
        #expect(values.contains("Jane.Doe%2Bnews%40Example.COM"))
        #expect(values.contains("amFuZS5kb2UrbmV3c0BleGFtcGxlLmNvbQ=="))
        #expect(values.contains("amFuZS5kb2UrbmV3c0BleGFtcGxlLmNvbQ"))
        #expect(values.contains("6a58e7286ac0e6944c137f0fb3f101b1"))
        #expect(values.contains("b9c90c16866d2790afdd88537cbf736eb10c29c2"))
        #expect(values.contains("dbf1912b4cad4df9823f627874244e64b50a6ac550b9cb33b17df671a26679db"))
        #expect(Set(forms.map(\.form)) == ["plain", "lowercase", "urlencoded", "base64", "md5", "sha1", "sha256"])
        #expect(RecipientIdentifier.forms(of: "").isEmpty)
    }

    @Test func findInURLs() {
        #expect(RecipientIdentifier.find(in: "https://t/x?e=jane.doe%2bnews%40example.com", address: addr) == "urlencoded")
        #expect(RecipientIdentifier.find(in: "https://t/x?e=JANE.DOE+news@example.com", address: addr) == "plain")
        #expect(RecipientIdentifier.find(in: "https://t/x/6A58E7286AC0E6944C137F0FB3F101B1.gif", address: addr) == "md5")
        #expect(RecipientIdentifier.find(in: "https://t/x?h=dbf1912b4cad4df9823f627874244e64b50a6ac550b9cb33b17df671a26679db", address: addr) == "sha256")
        // base64 of the address preceded by two other bytes, URL-safe: found inside the larger blob.
        #expect(RecipientIdentifier.find(in: "https://t/q/eHhKYW5lLkRvZStuZXdzQEV4YW1wbGUuQ09N~~", address: addr) == "base64")
        #expect(RecipientIdentifier.find(in: "https://t/x?e=amFuZS5kb2UrbmV3c0BleGFtcGxlLmNvbQ%3D%3D", address: addr) == "base64")
        #expect(RecipientIdentifier.find(in: "https://t/x?e=someone.else%40example.com", address: addr) == nil)
        #expect(RecipientIdentifier.find(in: "https://t/c/spring/open.gif", address: addr) == nil)
    }
}

@Suite struct RewriterTests {
    @Test func containedAndOverlappingEdits() {
        let doc = Array("0123456789".utf8)
        let edits = [HTMLEdit(range: 2..<4, replacement: Array("ab".utf8)), .delete(1..<6), HTMLEdit(range: 5..<8, replacement: [0x58]),
                     .delete(20..<30), HTMLEdit(range: 9..<9, replacement: [0x2A])]
        #expect(String(decoding: HTMLRewriter.apply(doc, edits: edits), as: UTF8.self) == "0678*9")
        let kept = HTMLRewriter.normalize(edits, count: doc.count)
        #expect(kept.map(\.range) == [1..<6, 9..<9])
        #expect(HTMLRewriter.apply(doc, edits: []) == doc)
        #expect(HTMLRewriter.apply([UInt8](), edits: [.delete(0..<1)]) == [])
    }

    @Test func urlReplacementInsideRemovedElementIsDropped() {
        let html = "<p><img src=\"/a.gif\" data-tracking-purpose=\"x\">t</p>"
        let s = scanOf(html)
        let edits = [s.resources[0].replacingURL(with: "/g"), s.resources[0].removal] + s.purposeAttributes.map { HTMLEdit.delete($0) }
        #expect(applied(html, edits) == "<p>t</p>")
    }
}

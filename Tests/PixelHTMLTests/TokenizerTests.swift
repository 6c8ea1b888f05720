// TokenizerTests: the WHATWG tokenizer quirks the scanner must follow.
import Testing
@testable import PixelHTML

@Suite struct TokenizerTests {
    @Test func upperCaseAndUnquoted() {
        #expect(pairs("<IMG SRC=https://t.example/a.gif WIDTH=1>") == ["img https://t.example/a.gif"])
        let r = scanOf("<IMG SRC=https://t.example/a.gif WIDTH=1 HEIGHT=1>").resources[0]
        #expect(r.element.tagName == "img")
        #expect(r.element.width == 1 && r.element.height == 1)
    }

    @Test func solidusBeforeAttributes() {
        #expect(pairs("<img/src=\"https://a.example/x.gif\"/width=\"1\"/height=\"1\"/alt=\"\">") == ["img https://a.example/x.gif"])
        #expect(pairs("<img/src=https://a.example/y.gif width=1 height=1>") == ["img https://a.example/y.gif"])
        let r = scanOf("<img/src=https://a.example/y.gif/width=1>").resources[0]
        // Unquoted value runs to whitespace or '>': the '/width=1' is part of the URL, as in browsers.
        #expect(r.url == "https://a.example/y.gif/width=1")
    }

    @Test func multiLineAttributes() {
        let html = "<img\r\n\tsrc = \"https://a.example/m.gif\"\r\n  width=\"1\"\n\theight\n=\n'1'\n>"
        let s = scanOf(html)
        #expect(s.resources.map(\.url) == ["https://a.example/m.gif"])
        #expect(s.resources[0].element.height == 1)
        #expect(removing(html, 0) == "")
    }

    @Test func duplicateAttributesFirstWins() {
        #expect(pairs("<img src=\"https://a.example/first.png\" src=\"https://a.example/second.png\">") == ["img https://a.example/first.png"])
    }

    @Test func characterReferencesInURLs() {
        let html = "<img src=\"https:&#x2F;&#x2F;t.example&#47;o?a=1&amp;b=2&#58;&colon;x&copy=3\">"
        let r = scanOf(html).resources[0]
        #expect(r.url == "https://t.example/o?a=1&b=2::x&copy=3")
        #expect(rawURL(html, r).hasPrefix("https:&#x2F;"))
        // Legacy reference without ';' followed by alnum/'=' stays literal in attributes.
        #expect(scanOf("<img src=\"/a?x=1&ampy=2&amp=3\">").resources[0].url == "/a?x=1&ampy=2&amp=3")
        #expect(scanOf("<img src=\"/a?x=1&amp y\">").resources[0].url == "/a?x=1& y")
        #expect(scanOf("<img src=\"/a&#0;&#x110000;&#128;\">").resources[0].url == "/a\u{FFFD}\u{FFFD}\u{20AC}")
    }

    @Test func commentsHideMarkup() {
        #expect(pairs("<!-- <img src=\"https://a.example/c.gif\"> --><img src=\"/x.png\">") == ["img /x.png"])
        #expect(pairs("<!--><img src=\"/a.png\">") == ["img /a.png"])
        #expect(pairs("<!---><img src=\"/b.png\">") == ["img /b.png"])
        #expect(pairs("<!-- x --!><img src=\"/c.png\">") == ["img /c.png"])
        #expect(pairs("<!-- never closed <img src=\"/d.png\">") == [])
        #expect(pairs("<!DOCTYPE html><?xml version=\"1.0\"?><img src=\"/e.png\">") == ["img /e.png"])
        #expect(pairs("</ img src=\"/f.png\"><img src=\"/g.png\">") == ["img /g.png"])
    }

    @Test func conditionalCommentsAreTokenized() {
        let html = "<!--[if mso]><v:rect><v:fill type=\"tile\" src=\"https://o.example/v.gif\" /></v:rect>"
            + "<v:shape><v:imagedata src=\"https://o.example/i.png\" o:title=\"\"/></v:shape><img src=\"https://o.example/m.gif\"><![endif]-->"
            + "<!--[if !mso]><!--><img src=\"https://o.example/n.gif\"><!--<![endif]-->"
            + "<![if !mso]><img src=\"https://o.example/d.gif\"><![endif]>"
        #expect(pairs(html) == ["vml https://o.example/v.gif", "vml https://o.example/i.png", "img https://o.example/m.gif",
                                "img https://o.example/n.gif", "img https://o.example/d.gif"])
        let removedFill = removing(html, 0)
        #expect(removedFill.hasPrefix("<!--[if mso]><v:rect></v:rect><v:shape>"))
    }

    @Test func rawTextElements() {
        #expect(pairs("<script>var s='<img src=\"/no.gif\">';</script><img src=\"/yes.gif\">") == ["img /yes.gif"])
        #expect(pairs("<title><img src=/no.gif></title><textarea><img src=/no2.gif></TEXTAREA ><img src=/yes.gif>") == ["img /yes.gif"])
        #expect(pairs("<xmp><img src=/no.gif></xmp><noframes><img src=/no2.gif></noframes>") == [])
        #expect(pairs("<plaintext><img src=/no.gif>") == [])
        #expect(pairs("<script>never closed <img src=/no.gif>") == [])
    }

    @Test func endOfInputInsideTagDropsIt() {
        #expect(pairs("<img src=\"https://a.example/x.gif\" width=1") == [])
        #expect(pairs("<img src=\"https://a.example/x.gif") == [])
        #expect(pairs("<") == [])
        #expect(pairs("<img") == [])
    }

    @Test func linksAreNeverResources() {
        #expect(pairs("<a href=\"https://t.example/wf/open?upn=abc\">x</a><area href=\"/x\">") == [])
    }

    @Test func bodyAndHtmlEnd() {
        let html = "<html><body><p>x</p></body>\n<!-- </body> --></html>"
        let s = scanOf(html)
        #expect(s.bodyEnd == 20) // the </body> inside the comment does not count
        #expect(s.htmlEnd == html.utf8.count - 7)
        #expect(scanOf("<p>x").bodyEnd == nil)
        // The last </body> counts (inline-forwarded mail has several).
        let two = "<body>a</body>b</BODY>"
        #expect(scanOf(two).bodyEnd == 15)
    }

    @Test func purposeAttributes() {
        let html = "<img src=\"/p.gif\" DATA-Tracking-Purpose=\"open_measurement  personalization\" alt=\"\"><div data-tracking-purpose=x>t</div>"
        let s = scanOf(html)
        #expect(s.resources[0].declaredPurposes == ["open_measurement", "personalization"])
        #expect(s.purposeAttributes.count == 2)
        #expect(applied(html, s.purposeAttributes.map { HTMLEdit.delete($0) }) == "<img src=\"/p.gif\" alt=\"\"><div>t</div>")
        #expect(scanOf("<img src=/q.gif>").resources[0].declaredPurposes == nil)
        let dup = "<img src=/d.gif data-tracking-purpose=a data-tracking-purpose=\"b\">"
        let ds = scanOf(dup)
        #expect(ds.resources[0].declaredPurposes == ["a"])
        #expect(applied(dup, ds.purposeAttributes.map { HTMLEdit.delete($0) }) == "<img src=/d.gif>")
    }

    @Test func hiddenWrapperStack() {
        let html = "<div style=\"display:none\"><div><span>t</span></div><img src=\"/a.gif\"></div><img src=\"/b.gif\">"
        let s = scanOf(html)
        #expect(s.resources.map(\.element.inHiddenWrapper) == [true, false])
        let nested = "<table style=\"max-height:0;overflow:hidden\"><tr><td><img src=/c.gif></td></tr></table><img src=/d.gif>"
        #expect(scanOf(nested).resources.map(\.element.inHiddenWrapper) == [true, false])
        let byClass = "<style>.x{color:red} .preheader, td.hide { display:none !important; } @media screen { .m { display:none } }</style>"
            + "<div class=\"a Preheader\"><img src=/i.gif></div><img class=hide src=/j.gif><img class=\"m x\" src=/k.gif>"
        let bc = scanOf(byClass).resources
        #expect(bc.map(\.element.inHiddenWrapper) == [true, false, false])
        #expect(bc.map { $0.element.hidden.contains(.hiddenByClass) } == [false, true, false])
        let implied = "<div><p style=\"display:none\">pre<div>x</div></div><img src=/h.gif>"
        #expect(scanOf(implied).resources.map(\.element.inHiddenWrapper) == [false])
        let own = scanOf("<img src=/e.gif style=\"visibility:hidden\" hidden>").resources[0].element.hidden
        #expect(own.contains(.visibilityHidden) && own.contains(.hiddenAttribute))
        let sized = scanOf("<img src=/f.gif width=600 height=\"1\" style=\"width:2px !important;opacity:0\">").resources[0].element
        #expect(sized.width == 2 && sized.height == 1 && sized.hidden.contains(.opacityZero))
        #expect(scanOf("<img src=/g.gif width=\"100%\">").resources[0].element.width == nil)
    }

    @Test func embeddedAtOffsetsGivesShiftedResults() {
        let doc = "<html><body><img src=\"https://t.example/o/Ab3dE5fG7hJ9kL1mN3pQ.gif\" width=1 height=1>"
            + "<td style=\"background:url('/bg.png')\"><style>@import url(/x.css); a{b:url(/c.png)}</style></body></html>"
        let base = scanOf(doc)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let prefix = String(repeating: " \r\n\t".randomElement(using: &rng)!, count: Int.random(in: 0..<300, using: &rng))
            let s = scanOf(prefix + doc)
            let k = prefix.utf8.count
            #expect(s.resources.map(\.url) == base.resources.map(\.url))
            #expect(s.resources.map(\.urlRange) == base.resources.map { ($0.urlRange.lowerBound + k)..<($0.urlRange.upperBound + k) })
            #expect(s.resources.map(\.removal.range) == base.resources.map { ($0.removal.range.lowerBound + k)..<($0.removal.range.upperBound + k) })
            #expect(s.bodyEnd == base.bodyEnd.map { $0 + k })
        }
    }
}

@Suite struct UnquotedValueScanTests {
    /// The SWAR scan must agree with a byte loop for every terminator position and byte value.
    @Test func agreesWithByteLoop() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let n = Int.random(in: 0..<40, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0x21...0x7E, using: &rng) }.map { $0 == 0x3E ? 0x41 : $0 }
            for _ in 0..<Int.random(in: 0..<3, using: &rng) where n > 0 {
                bytes[Int.random(in: 0..<n, using: &rng)] = [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1F, 0x20, 0x3E, 0x80, 0xFF].randomElement(using: &rng)!
            }
            let expected = bytes.firstIndex(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0C || $0 == 0x0D || $0 == 0x20 || $0 == 0x3E }) ?? n
            let got = bytes.withUnsafeBytes { TagParser.unquotedValueEnd($0, from: 0, limit: n) }
            #expect(got == expected, "\(bytes)")
        }
    }
}

@Suite struct HostileInputTests {
    /// Inputs that would be quadratic with a naive end-tag search or unbounded stacks stay fast.
    @Test func linearOnPathologicalInputs() {
        let clock = ContinuousClock()
        let cases: [String] = [
            String(repeating: "<amp-img src=/a.gif>", count: 20000),
            String(repeating: "<div style=\"display:none\">", count: 20000) + "<img src=/x.gif>",
            String(repeating: "<", count: 200000),
            String(repeating: "<!--[if mso]>", count: 20000),
            "<img src=\"" + String(repeating: "a", count: 300000),
            "<style>" + String(repeating: "a{background:url(", count: 20000),
            String(repeating: "<v:fill src=x>", count: 20000) + String(repeating: "</v:fill>", count: 20000),
            "<img srcset=\"" + String(repeating: "a 1x,", count: 20000) + "\">",
        ]
        for html in cases {
            let elapsed = clock.measure { _ = scanOf(html) }
            #expect(elapsed < .seconds(10), "\(html.prefix(30))")
        }
        let nested = scanOf(String(repeating: "<div style=\"display:none\">", count: 20000) + "<img src=/x.gif>")
        #expect(nested.resources.first?.element.inHiddenWrapper == true)
    }
}

// VectorTests: golden tests per vector of DESIGN "Tracker detection": what is found (vector, URL) and
// the exact output after removing it and after replacing its URL.
import Testing
@testable import PixelHTML

@Suite struct VectorTests {
    @Test func imgRemovedWhole() {
        let html = "<p>a<img src=\"https://t.example/wf/open?upn=x\" width=\"1\" height=\"1\" alt=\"\">b</p>"
        #expect(pairs(html) == ["img https://t.example/wf/open?upn=x"])
        #expect(removing(html, 0) == "<p>ab</p>")
        #expect(replacing(html, 0, with: "https://g.example/o/T?a=1&b=\"2\"")
                == "<p>a<img src=\"https://g.example/o/T?a=1&amp;b=&quot;2&quot;\" width=\"1\" height=\"1\" alt=\"\">b</p>")
    }

    @Test func imgEntityEncodedReplacementCoversRawRange() {
        let html = "<img src='https://t.example/o?a=1&amp;b=2'>"
        #expect(replacing(html, 0, with: "https://g/o/Z") == "<img src='https://g/o/Z'>")
    }

    @Test func srcsetCandidates() {
        let html = "<img src=\"/a-1x.jpg\" srcset=\"/a-1x.jpg 1x, https://t.example/open/K0Hy7TMep6FCiA2Ay.gif 2x\" width=\"600\">"
        #expect(pairs(html) == ["img /a-1x.jpg", "srcset /a-1x.jpg", "srcset https://t.example/open/K0Hy7TMep6FCiA2Ay.gif"])
        #expect(removing(html, 2) == "<img src=\"/a-1x.jpg\" srcset=\"/a-1x.jpg 1x, \" width=\"600\">")
        let both = scanOf(html).resources
        #expect(applied(html, [both[1].removal, both[2].removal]) == "<img src=\"/a-1x.jpg\" srcset=\"\" width=\"600\">")
        #expect(removing(html, 1) == "<img src=\"/a-1x.jpg\" srcset=\"https://t.example/open/K0Hy7TMep6FCiA2Ay.gif 2x\" width=\"600\">")
        let three = "<img srcset=\"a.png 1x,b.png 2x , c.png 3x\">"
        #expect(removing(three, 1) == "<img srcset=\"a.png 1x,c.png 3x\">")
        let only = "<img src=\"/x.jpg\" srcset=\"https://t.example/s.png 2x\">"
        #expect(removing(only, 1) == "<img src=\"/x.jpg\">")
        let entity = "<img srcset=\"/a.png?x=1&amp;y=2 1x, /b.png?p=1&amp;q=2 2x\">"
        #expect(scanOf(entity).resources.map(\.url) == ["/a.png?x=1&y=2", "/b.png?p=1&q=2"])
        #expect(removing(entity, 1) == "<img srcset=\"/a.png?x=1&amp;y=2 1x, \">")
        #expect(replacing(entity, 0, with: "/g?a&b") == "<img srcset=\"/g?a&amp;b 1x, /b.png?p=1&amp;q=2 2x\">")
        // WHATWG: a URL is a run of non-whitespace; commas inside it belong to it.
        #expect(pairs("<img srcset=\"a.png,b.png 2x\">") == ["srcset a.png,b.png"])
        #expect(pairs("<img srcset=\"a.png, b.png 2x\">") == ["srcset a.png", "srcset b.png"])
        #expect(pairs("<img srcset=\"x.png 100w (min-width:1px, max-width:2px), y.png 200w\">") == ["srcset x.png", "srcset y.png"])
    }

    @Test func pictureSource() {
        let html = "<picture><source srcset=\"https://t.example/dm/XCOaVgTEGpq0.png\" media=\"(prefers-color-scheme: dark)\"><img src=\"/l.png\"></picture>"
        #expect(pairs(html) == ["srcset https://t.example/dm/XCOaVgTEGpq0.png", "img /l.png"])
        #expect(removing(html, 0) == "<picture><img src=\"/l.png\"></picture>")
    }

    @Test func inputVideoSvgIframeObjectEmbed() {
        let html = "<form><input type=\"image\" src=\"/in.gif\" width=1></form><input type=text src=/no.gif>"
            + "<video width=\"1\" poster=\"/vp.jpg\" muted></video>"
            + "<svg><image href=\"/svg.png\" width=\"1\"/></svg><iframe src=\"/f.html\">x</iframe>"
            + "<object data=\"/o.swf\">fallback</object><embed src=\"/e.swf\">"
        #expect(pairs(html) == ["input /in.gif", "video /vp.jpg", "other /svg.png", "other /f.html", "other /o.swf", "other /e.swf"])
        #expect(removing(html, 0).hasPrefix("<form></form><input type=text"))
        #expect(removing(html, 1).contains("<video width=\"1\" muted></video>"))
        #expect(removing(html, 2).contains("<svg></svg>"))
        #expect(removing(html, 3).contains("</svg><object"))
        #expect(removing(html, 4).contains("<object>fallback</object>"))
        #expect(removing(html, 5).hasSuffix("</object>"))
    }

    @Test func backgroundAttribute() {
        let html = "<body background=\"/b.gif\" style=\"margin:0\"><table background='/t.gif'><tr><td BACKGROUND=/td.gif class=x>t</td></tr></table></body>"
        #expect(pairs(html) == ["background-attr /b.gif", "background-attr /t.gif", "background-attr /td.gif"])
        #expect(removing(html, 0).hasPrefix("<body style=\"margin:0\"><table"))
        #expect(removing(html, 1).contains("<table><tr>"))
        #expect(removing(html, 2).contains("<td class=x>t</td>"))
        #expect(replacing(html, 2, with: "/g o") == html.replacingOccurrences(of: "/td.gif", with: "/g&#32;o"))
    }

    @Test func linkStylesheetOnly() {
        let html = "<link rel=\"stylesheet\" href=\"https://t.example/css/a.css\"><link rel=\"canonical\" href=\"/c\"><link REL=\"Preload Stylesheet\" href=\"/p.css\">"
        #expect(pairs(html) == ["link https://t.example/css/a.css", "link /p.css"])
        #expect(removing(html, 0) == "<link rel=\"canonical\" href=\"/c\"><link REL=\"Preload Stylesheet\" href=\"/p.css\">")
    }

    @Test func vmlElements() {
        let html = "<!--[if gte mso 9]><v:background fill=\"t\"><v:fill type=\"frame\" src=\"/hero.jpg\"></v:fill></v:background><v:image src=\"/v.png\" style=\"width:1px\"/><![endif]-->"
        #expect(pairs(html) == ["vml /hero.jpg", "vml /v.png"])
        #expect(removing(html, 0) == "<!--[if gte mso 9]><v:background fill=\"t\"></v:background><v:image src=\"/v.png\" style=\"width:1px\"/><![endif]-->")
        #expect(removing(html, 1) == "<!--[if gte mso 9]><v:background fill=\"t\"><v:fill type=\"frame\" src=\"/hero.jpg\"></v:fill></v:background><![endif]-->")
    }

    @Test func misnestedElementsNeverGivePartialOverlaps() {
        let html = "<amp-img src=\"/a.gif\"><amp-pixel src=\"/p.gif\"></amp-img></amp-pixel>"
        let rs = scanOf(html).resources
        #expect(rs[0].removal.range == 0..<html.utf8.count - 12)
        #expect(rs[1].removal.range == rs[1].element.range)
        #expect(applied(html, rs.map(\.removal)) == "</amp-pixel>")
    }

    @Test func ampElements() {
        let html = "<amp-img src=\"/a.gif\" width=\"1\" height=\"1\" layout=\"fixed\"><amp-img fallback src=\"/f.gif\"></amp-img></amp-img>"
            + "<amp-pixel src=\"/p?r=RANDOM\" layout=\"nodisplay\"></amp-pixel>"
            + "<amp-analytics><script type=\"application/json\">{\"requests\":{\"open\":\"https:\\/\\/t.example\\/a\"}}</script></amp-analytics><p>t</p>"
        #expect(pairs(html) == ["amp /a.gif", "amp /f.gif", "amp /p?r=RANDOM", "amp https://t.example/a"])
        #expect(removing(html, 0).hasPrefix("<amp-pixel"))
        #expect(removing(html, 2).contains("</amp-img><amp-analytics>"))
        #expect(removing(html, 3).hasSuffix("</amp-pixel><p>t</p>"))
        #expect(scanOf(html).resources[2].element.hidden.contains(.noDisplayLayout))
        #expect(replacing(html, 3, with: "https://g/o/\"T\"").contains("{\"open\":\"https://g/o/\\\"T\\\"\"}"))
    }
}

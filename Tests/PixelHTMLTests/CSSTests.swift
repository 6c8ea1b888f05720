// CSSTests: every CSS form the scanner must find, and the valid CSS left after removing each URL.
import Testing
@testable import PixelHTML

@Suite struct CSSTests {
    @Test func inlineBackgroundImageDeclarationDropped() {
        let html = "<td style=\"padding:0;background-image:url('https://t.example/o/x.png');color:red\">t</td>"
        #expect(pairs(html) == ["css-inline https://t.example/o/x.png"])
        #expect(removing(html, 0) == "<td style=\"padding:0;color:red\">t</td>")
        #expect(replacing(html, 0, with: "https://g/o/a'b") == "<td style=\"padding:0;background-image:url('https://g/o/a\\&#39;b');color:red\">t</td>")
    }

    @Test func inlineShorthandBecomesNone() {
        let html = "<div style=\"background:#fff url(https://t.example/bg.gif) no-repeat 0 0;padding:12px\">x</div>"
        #expect(pairs(html) == ["css-inline https://t.example/bg.gif"])
        #expect(removing(html, 0) == "<div style=\"background:#fff none no-repeat 0 0;padding:12px\">x</div>")
        #expect(replacing(html, 0, with: "https://g/(x)") == "<div style=\"background:#fff url(https://g/\\(x\\)) no-repeat 0 0;padding:12px\">x</div>")
    }

    @Test func inlineEntityQuotedURL() {
        let html = "<ul style=\"list-style-image:url(&quot;https://t.example/li.gif&quot;);margin:0\"><li>a</li></ul>"
        let r = scanOf(html).resources
        #expect(r.map(\.url) == ["https://t.example/li.gif"])
        #expect(rawURL(html, r[0]) == "https://t.example/li.gif")
        #expect(removing(html, 0) == "<ul style=\"margin:0\"><li>a</li></ul>")
    }

    @Test func inlineLastDeclarationWithoutSemicolon() {
        let html = "<td style=\"color:red; background-image: URL( \\'/a.png\\' ) !important\">"
        // Backslash-quote in an HTML attribute is literal: the CSS sees URL( \'/a.png\' ), an unquoted
        // url whose value, escapes undone, is '/a.png'.
        #expect(scanOf(html).resources.map(\.url) == ["'/a.png'"])
        let plain = "<td style=\"color:red; background-image: URL( '/a.png' ) !important\">"
        #expect(removing(plain, 0) == "<td style=\"color:red; \">")
    }

    @Test func styleBlockForms() {
        let html = "<style type=\"text/css\">@import url(\"https://t.example/i.css\");\n@import '/i2.css' screen;\n"
            + "@font-face { font-family: X; src: url(/f.woff2) format('woff2'), url(/f.woff); }\n"
            + "@media screen and (max-width: 480px) { .h { background-image: url(\"/m.gif\"); } }\n"
            + ".s::before { content: url('/b.gif'); }\n/* url(/comment.gif) */ .p { background: url(/p.jpg) center / cover; }"
            + ".e { background-image: url(/\\65 sc.gif) }.q{cursor:url(/c.cur),auto}</style>"
        #expect(pairs(html) == ["import https://t.example/i.css", "import /i2.css", "font /f.woff2", "font /f.woff",
                                "css-block /m.gif", "css-block /b.gif", "css-block /p.jpg", "css-block /esc.gif", "css-block /c.cur"])
        #expect(removing(html, 0).hasPrefix("<style type=\"text/css\">\n@import '/i2.css'"))
        #expect(removing(html, 1).contains("i.css\");\n\n@font-face"))
        #expect(removing(html, 2).contains("{ font-family: X;  }"))
        #expect(removing(html, 4).contains("{ .h {  } }"))
        #expect(removing(html, 5).contains(".s::before {  }"))
        #expect(removing(html, 6).contains(".p { background: none center / cover; }"))
        #expect(removing(html, 7).contains(".e { }"))
        #expect(removing(html, 8).contains(".q{cursor:none,auto}"))
        #expect(replacing(html, 4, with: "https://g/o/\"q\"").contains("url(\"https://g/o/\\\"q\\\"\")"))
    }

    @Test func styleBlockRawAmpersandIsPartOfURL() {
        #expect(pairs("<style>a{background:url(/x?a=1&amp;b=2)}</style>") == ["css-block /x?a=1&amp;b=2"])
    }

    @Test func imageSet() {
        let html = "<style>.a{background-image:-webkit-image-set(\"/a1.png\" 1x, url(/a2.png) 2x)}</style>"
        #expect(pairs(html) == ["css-block /a1.png", "css-block /a2.png"])
        #expect(removing(html, 0) == "<style>.a{}</style>")
    }

    @Test func unterminatedCSSDoesNotHang() {
        #expect(pairs("<style>a{background:url(/x.png</style>") == ["css-block /x.png"])
        #expect(pairs("<style>a{b:\"unterminated</style><img src=/y.png>") == ["img /y.png"])
        #expect(pairs("<style>/* open comment url(/z.png)</style>") == [])
        #expect(pairs("<style>@import </style>") == [])
        #expect(pairs("<div style=\"background:url(\">x</div>") == [])
    }
}

// BaseURLTests: `<base href>` resolution (RFC 3986 section 5.4's examples) and its use by the scanner.
import Testing
@testable import PixelHTML

@Suite struct BaseURLTests {
    /// RFC 3986 section 5.4.1 and 5.4.2, base "http://a/b/c/d;p?q" (the cases a mail client can meet).
    @Test func rfc3986Examples() throws {
        let base = try #require(BaseURL("http://a/b/c/d;p?q"))
        let cases: [(String, String)] = [
            ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
            (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"),
            ("..", "http://a/b/"), ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"),
            ("../../", "http://a/"), ("../../g", "http://a/g"),
            // Abnormal examples (5.4.2).
            ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"),
            ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"), ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"), ("g#s/../x", "http://a/b/c/g#s/../x"),
        ]
        for (ref, want) in cases { #expect(base.resolve(ref) == want, "\(ref)") }
    }

    @Test func lenientLikeBrowsers() throws {
        let base = try #require(BaseURL("  HTTPS://News.Shop.example/e/2026/\n"))
        #expect(base.scheme == "https" && base.authority == "News.Shop.example" && base.path == "/e/2026/")
        #expect(base.resolve(" o/1.gif ") == "https://News.Shop.example/e/2026/o/1.gif")
        #expect(base.resolve("o\\px.gif?u=1\\2") == "https://News.Shop.example/e/2026/o/px.gif?u=1\\2")
        #expect(base.resolve("o/\t1.gif") == "https://News.Shop.example/e/2026/o/1.gif")
        // Absolute, opaque and empty references are left as they are.
        for ref in ["https://other.example/x.png", "cid:logo@x", "data:image/gif;base64,R0lG", "", "   "] {
            #expect(base.resolve(ref) == ref)
        }
        #expect(try #require(BaseURL("http://h.example")).resolve("x.gif") == "http://h.example/x.gif")
        #expect(try #require(BaseURL("http://h.example?q#f")).resolve("#t") == "http://h.example/?q#t")
    }

    @Test func notABase() {
        for href in ["", "/relative/", "images/", "cid:x", "mailto:a@b.example", "ftp://h.example/", "https://",
                     "javascript:alert(1)", "data:text/html,x", "//h.example/"] {
            #expect(BaseURL(href) == nil, "\(href)")
        }
    }

    @Test func scannerResolvesEveryResourceAgainstTheFirstBase() {
        let html = """
            <img src="early.gif" width="1" height="1">
            <base href="https://t.shop.example/e/"><base href="https://ignored.example/">
            <img src="o/8f7a6c5d4e3b.gif" width="1" height="1">
            <table background="/bg.png"><tr><td style="background-image:url('../x.png')">a</td></tr></table>
            <style>.a{background:url(css/y.png)}</style>
            <img src="https://cdn.example/logo.png"><img src="cid:logo@x"><img src="">
            """
        let s = scanOf(html)
        #expect(s.baseURL == "https://t.shop.example/e/")
        #expect(s.resources.map(\.url) == [
            "https://t.shop.example/e/early.gif", "https://t.shop.example/e/o/8f7a6c5d4e3b.gif",
            "https://t.shop.example/bg.png", "https://t.shop.example/x.png", "https://t.shop.example/e/css/y.png",
            "https://cdn.example/logo.png", "cid:logo@x",
        ])
        // The document's bytes are untouched: a replacement still targets the relative text.
        let r = s.resources[1]
        #expect(rawURL(html, r) == "o/8f7a6c5d4e3b.gif")
        #expect(replacing(html, 1, with: "https://gate.example/o/T").contains("<img src=\"https://gate.example/o/T\" width=\"1\""))
    }

    @Test func withoutAnAbsoluteBaseNothingChanges() {
        #expect(pairs("<img src=\"o/1.gif\">") == ["img o/1.gif"])
        #expect(pairs("<base href=\"images/\"><img src=\"o/1.gif\">") == ["img o/1.gif"])
        #expect(pairs("<base target=\"_blank\"><img src=\"o/1.gif\">") == ["img o/1.gif"])
        #expect(scanOf("<base href=\"images/\">").baseURL == nil)
        // A <base> inside a comment is no element.
        #expect(pairs("<!-- <base href=\"https://t.example/\"> --><img src=\"o/1.gif\">") == ["img o/1.gif"])
    }

    @Test func entityEncodedBase() {
        #expect(pairs("<base href=\"https:&#x2F;&#x2F;t.example&#47;e/\"><img src=\"o.gif\">") == ["img https://t.example/e/o.gif"])
    }
}

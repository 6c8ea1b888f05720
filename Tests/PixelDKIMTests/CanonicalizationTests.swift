// RFC 6376 §3.4.5 examples (golden), plus body canonicalisation edges and chunk splitting.
import Testing
import PixelDKIM
import PixelCrypto

@Suite struct CanonicalizationTests {
    // RFC 6376 §3.4.5: the example message, exactly.
    static let example = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n"

    static func split(_ s: String) -> (header: [UInt8], body: [UInt8]) {
        let m = bytes(s)
        var sc = HeaderBlockScanner()
        let off = m.withUnsafeBytes { sc.feed($0) }!
        return (sc.bytes, Array(m[off...]))
    }

    static func canonicalBody(_ body: [UInt8], _ c: Canonicalization, chunk: Int = .max) -> [UInt8] {
        // Hash equality against the expected canonical text proves the canonical bytes.
        let h = BodyHasher(c)
        var i = 0
        while i < body.count {
            let j = Swift.min(body.count, i + chunk)
            h.update(Array(body[i..<j]))
            i = j
        }
        return h.finish()
    }

    @Test func relaxedHeadersMatchRFCExample() {
        let (block, _) = Self.split(Self.example)
        let fields = HeaderFields.split(block)
        #expect(fields.map(\.name) == ["A", "B"])
        let out = fields.flatMap { HeaderCanonicalizer.header(block[$0.range], .relaxed) }
        #expect(out.text == "a:X\r\nb:Y Z\r\n")
    }

    @Test func simpleHeadersAreUnchanged() {
        let (block, _) = Self.split(Self.example)
        let out = HeaderFields.split(block).flatMap { HeaderCanonicalizer.header(block[$0.range], .simple) }
        #expect(out.text == "A: X\r\nB : Y\t\r\n\tZ  \r\n")
    }

    @Test func relaxedBodyMatchesRFCExample() {
        let (_, body) = Self.split(Self.example)
        #expect(Self.canonicalBody(body, .relaxed) == Digest.sha256(bytes(" C\r\nD E\r\n")))
    }

    @Test func simpleBodyMatchesRFCExample() {
        let (_, body) = Self.split(Self.example)
        #expect(Self.canonicalBody(body, .simple) == Digest.sha256(bytes(" C \r\nD \t E\r\n")))
    }

    @Test(arguments: [1, 2, 3, 7])
    func chunkSplitsDoNotChangeTheHash(size: Int) {
        let body = bytes("a \t b\r\n\r\nc\r\r\n  \r\nlast line  \r\n\r\n\r\n")
        for c in Canonicalization.allCases {
            #expect(Self.canonicalBody(body, c, chunk: size) == Self.canonicalBody(body, c))
        }
    }

    @Test func emptyBodies() {
        #expect(Self.canonicalBody([], .simple) == Digest.sha256(bytes("\r\n")))
        #expect(Self.canonicalBody([], .relaxed) == Digest.sha256([]))
        #expect(Self.canonicalBody(bytes("\r\n\r\n"), .relaxed) == Digest.sha256([]))
        #expect(Self.canonicalBody(bytes("\r\n\r\n"), .simple) == Digest.sha256(bytes("\r\n")))
    }

    @Test func missingFinalLineEndIsAdded() {
        #expect(Self.canonicalBody(bytes("no break  "), .relaxed) == Digest.sha256(bytes("no break\r\n")))
        #expect(Self.canonicalBody(bytes("no break"), .simple) == Digest.sha256(bytes("no break\r\n")))
    }

    @Test func bareLFCountsAsLineEnd() {
        #expect(Self.canonicalBody(bytes("a\nb \n\n"), .relaxed) == Digest.sha256(bytes("a\r\nb\r\n")))
        #expect(Self.canonicalBody(bytes("a\nb \n\n"), .simple) == Digest.sha256(bytes("a\r\nb \r\n")))
    }

    @Test func limitHashesOnlyThePrefix() {
        let h = BodyHasher(.simple, limit: 3)
        h.update(bytes("abcdef\r\n"))
        #expect(h.finish() == Digest.sha256(bytes("abc")))
    }

    @Test func headerScannerFindsBodyAcrossChunks() {
        let parts = [bytes("From: a@b\r"), bytes("\n"), bytes("\r"), bytes("\nbody")]
        var sc = HeaderBlockScanner()
        var found: (Int, Int)? = nil
        for (i, p) in parts.enumerated() where found == nil {
            if let off = p.withUnsafeBytes({ sc.feed($0) }) { found = (i, off) }
        }
        #expect(found?.0 == 3 && found?.1 == 1)
        #expect(sc.bytes.text == "From: a@b\r\n\r\n")
    }

    @Test func foldedFieldsStayWhole() {
        let block = bytes("Subject: one\r\n two\r\nTo: x@y\r\n\r\n")
        let f = HeaderFields.split(block)
        #expect(f.count == 2)
        #expect(Array(block[f[0].range]).text == "Subject: one\r\n two\r\n")
        #expect(HeaderFields.value(block, f[0]) == " one two")
    }

    @Test(arguments: [
        ("Joe <joe@Example.COM>", "example.com"),
        ("joe@news.example.com", "news.example.com"),
        ("\"a@evil.test\" <b@good.test>", "good.test"),
        ("(comment @x.test) c@d.test", "d.test"),
        ("undisclosed", nil),
        ("\"x \\\" <y@evil.test>\" <z@ok.test>", "ok.test"),   // escaped quote inside a quoted string
        ("a@first.test, b@second.test", "first.test"),
        ("Joe <joe@trailing.test.>", "trailing.test"),
        ("joe@[192.0.2.1]", nil),
        ("Zoë <zoe@\tcafé.example >", "café.example"),
    ] as [(String, String?)])
    func fromDomain(value: String, domain: String?) {
        #expect(HeaderFields.fromDomain(value) == domain)
    }

    @Test func tagListParsesFWSAndRejectsDuplicates() throws {
        let t = try TagList.parse(" v=1;\r\n\ta = rsa-sha256 ; bh=ab\r\n cd= ;")
        #expect(t.raw("a") == "rsa-sha256")
        #expect(t.value("bh") == "abcd=")
        #expect(throws: TagList.ParseError.duplicate("v")) { try TagList.parse("v=1; v=2") }
        #expect(throws: TagList.ParseError.missingEquals("oops")) { try TagList.parse("v=1; oops") }
    }
}

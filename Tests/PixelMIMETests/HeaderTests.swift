// Header tests: field ranges and unfolding, case-insensitive lookup, Content-Type and
// Content-Disposition parameter parsing (quoted strings, comments, RFC 2231 continuations and
// charsets), and the defaults applied to bad values.
import Testing
@testable import PixelMIME

@Suite struct HeaderTests {
    func parse(_ lines: [String]) throws -> (MIMEMessage, [UInt8]) {
        let bytes = T.message(lines + ["", "body"])
        return (try T.parse(bytes), bytes)
    }

    @Test func fieldRangesCoverContinuationsAndTileTheBlock() throws {
        let (m, bytes) = try parse(["A: 1", "B: 2", " 2b", "\t2c", "C:3"])
        #expect(m.root.headers.map(\.name) == ["A", "B", "C"])
        #expect(m.root.headers.map(\.value) == ["1", "2 2b\t2c", "3"])
        var pos = m.root.headerRange.lowerBound
        for f in m.root.headers {
            #expect(f.range.lowerBound == pos)
            pos = f.range.upperBound
        }
        #expect(pos == m.root.headerRange.upperBound)
        #expect(String(decoding: bytes[m.root.headers[1].range], as: UTF8.self) == "B: 2\r\n 2b\r\n\t2c\r\n")
    }

    @Test func lookupIsCaseInsensitiveAndOrdered() throws {
        let (m, _) = try parse(["Received: one", "received: two", "TRACKING-PURPOSES: open_measurement"])
        #expect(m.root.header("RECEIVED")?.value == "one")
        #expect(m.root.headers(named: "Received").map(\.value) == ["one", "two"])
        #expect(m.root.header("tracking-purposes")?.value == "open_measurement")
        #expect(m.root.header("missing") == nil)
    }

    @Test func contentTypeParameters() throws {
        let (m, _) = try parse(["Content-Type: Text/HTML (comment; here); Charset = \"UTF-8\" ; name=\"a \\\"q\\\" ; b.html\"; x-empty=\"\""])
        let ct = m.root.contentType
        #expect(ct.type == "text")
        #expect(ct.subtype == "html")
        #expect(ct.charset == "utf-8")
        #expect(ct.parameters["name"] == "a \"q\" ; b.html")
        #expect(ct.parameters["x-empty"] == "")
        #expect(!m.root.contentTypeDefaulted)
    }

    @Test func rfc2231ContinuationsAndCharsets() throws {
        let (m, _) = try parse([
            "Content-Type: application/pdf;",
            " name*0*=utf-8''R%C3%A9sum%C3%A9%20;",
            " name*1=\"final version\";",
            " name*2*=%E2%82%AC.pdf",
            "Content-Disposition: attachment; filename*=iso-8859-1'fr'caf%E9.pdf; filename=\"fallback.pdf\"",
        ])
        #expect(m.root.contentType.parameters["name"] == "Résumé final version€.pdf")
        #expect(m.root.disposition?.filename == "café.pdf")
        #expect(m.root.filename == "café.pdf")
    }

    @Test func encodedWordFilename() throws {
        let (m, _) = try parse(["Content-Type: image/png; name=\"=?UTF-8?B?w6l0w6kucG5n?=\""])
        #expect(m.root.filename == "été.png")
    }

    @Test func dispositionKinds() throws {
        #expect(try parse(["Content-Disposition: INLINE"]).0.root.disposition?.kind == .inline)
        #expect(try parse(["Content-Disposition: attachment"]).0.root.disposition?.kind == .attachment)
        #expect(try parse(["Content-Disposition: form-data; name=x"]).0.root.disposition?.kind == .other("form-data"))
        #expect(try parse(["Subject: none"]).0.root.disposition == nil)
    }

    @Test func badContentTypesFallBack() throws {
        for bad in ["", "text/", "/html", "text/html/x", "te xt/html", "text/ht ml", "text/h\"t\"ml"] {
            let (m, _) = try parse(["Content-Type: \(bad)"])
            #expect(m.root.contentType == .textPlainDefault, "\(bad)")
            #expect(m.root.contentTypeDefaulted)
        }
        // The first Content-Type wins, as in Python's email.
        let (m, _) = try parse(["Content-Type: text/html", "Content-Type: text/plain"])
        #expect(m.root.contentType.mimeType == "text/html")
    }

    @Test func unquotedValueEndsAtWhitespace() throws {
        // A folded header that lost its ";": the token ends at the space, as in Python's email.
        let (m, _) = try parse(["Content-Type: multipart/mixed; boundary=b0", " x-extra=1"])
        #expect(m.root.contentType.boundary == "b0")
        let (t, _) = try parse(["Content-Type: multipart/mixed; boundary==_Part=1_"])
        #expect(t.root.contentType.boundary == "=_Part=1_")
    }

    @Test func boundaryTrailingWhitespaceIgnored() throws {
        let (m, _) = try parse(["Content-Type: multipart/mixed; boundary=\"abc  \""])
        #expect(m.root.contentType.boundary == "abc")
    }

    @Test func headerNameRules() throws {
        // "Name : value" (space before the colon) is not a field: the header block ends there.
        let (m, _) = try parse(["Subject: ok", "Bad Name: x", "After: y"])
        #expect(m.root.headers.map(\.name) == ["Subject"])
        #expect(!m.root.hasHeaderSeparator)
        // An mbox envelope line is tolerated.
        let (e, _) = try parse(["From someone@example.org Mon May 18 10:00:00 2026", "Subject: s"])
        #expect(e.root.headers.map(\.name) == ["Subject"])
        #expect(e.root.hasHeaderSeparator)
    }
}

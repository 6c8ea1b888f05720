// Structure tests for MIMEParser: single part, multipart shapes, nesting, encapsulated
// messages, preamble/epilogue, odd boundaries, CRLF and bare LF, folded headers.
import Testing
@testable import PixelMIME

@Suite struct MIMEParserStructureTests {
    @Test func singlePartDefaults() throws {
        let bytes = T.message(["From: a@example.org", "Subject: hi", "", "Hello", "world"])
        let m = try T.parse(bytes)
        #expect(m.root.children.isEmpty)
        #expect(m.root.contentType == .textPlainDefault)
        #expect(m.root.contentTypeDefaulted)
        #expect(m.root.transferEncoding == .sevenBit)
        #expect(m.root.headers.count == 2)
        #expect(m.root.hasHeaderSeparator)
        #expect(T.bodyString(m.root, bytes) == "Hello\r\nworld\r\n")
        #expect(String(decoding: bytes[m.root.headerRange], as: UTF8.self) == "From: a@example.org\r\nSubject: hi\r\n")
        #expect(m.defects.isEmpty)
        #expect(m.lineEnding == .crlf)
        #expect(m.leaves().count == 1)
        #expect(m.byteCount == bytes.count)
    }

    @Test func multipartAlternative() throws {
        let bytes = T.message([
            "Content-Type: multipart/alternative; boundary=\"b1\"", "",
            "--b1", "Content-Type: text/plain; charset=utf-8", "", "plain", "",
            "--b1", "Content-Type: text/html", "Content-Transfer-Encoding: quoted-printable", "", "<p>html</p>",
            "--b1--",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.count == 2)
        #expect(leaves[0].contentType.mimeType == "text/plain")
        #expect(leaves[0].contentType.charset == "utf-8")
        #expect(T.bodyString(leaves[0], bytes) == "plain\r\n")
        #expect(leaves[1].contentType.mimeType == "text/html")
        #expect(leaves[1].transferEncoding == .quotedPrintable)
        #expect(T.bodyString(leaves[1], bytes) == "<p>html</p>")
        #expect(leaves.allSatisfy { $0.depth == 1 })
        #expect(m.root.preambleRange == m.root.bodyRange.lowerBound..<m.root.bodyRange.lowerBound)
        #expect(m.defects.isEmpty)
    }

    @Test func mixedWithAttachments() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=outer", "",
            "--outer", "Content-Type: text/plain", "", "see attached",
            "--outer", "Content-Type: application/pdf; name=\"r.pdf\"",
            "Content-Disposition: attachment; filename=\"report 2026.pdf\"",
            "Content-Transfer-Encoding: base64", "", "JVBERi0xLjQK",
            "--outer", "Content-Type: text/csv", "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.csv", "", "a,b",
            "--outer--", "",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.map(\.contentType.mimeType) == ["text/plain", "application/pdf", "text/csv"])
        #expect(leaves[1].disposition?.kind == .attachment)
        #expect(leaves[1].filename == "report 2026.pdf")
        #expect(leaves[1].transferEncoding == .base64)
        #expect(T.decoded(leaves[1], bytes).bytes == Array("%PDF-1.4\n".utf8))
        #expect(leaves[2].filename == "€.csv")
        #expect(m.defects.isEmpty)
    }

    @Test func relatedWithCidImage() throws {
        let bytes = T.message([
            "Content-Type: multipart/related; type=\"text/html\"; boundary=rel", "",
            "--rel", "Content-Type: text/html; charset=utf-8", "", "<img src=\"cid:logo@x\">",
            "--rel", "Content-Type: image/png", "Content-ID: <logo@x>", "Content-Transfer-Encoding: base64", "", "iVBORw0KGgo=",
            "--rel--",
        ])
        let m = try T.parse(bytes)
        #expect(m.root.contentType.parameters["type"] == "text/html")
        let leaves = m.leaves()
        #expect(leaves.count == 2)
        #expect(leaves[1].contentID == "logo@x")
        #expect(T.decoded(leaves[1], bytes).bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    @Test func nestedThreeLevels() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=A", "",
            "--A", "Content-Type: multipart/alternative; boundary=B", "",
            "--B", "Content-Type: text/plain", "", "text",
            "--B", "Content-Type: multipart/related; boundary=C", "",
            "--C", "Content-Type: text/html", "", "<b>x</b>",
            "--C", "Content-Type: image/gif", "", "GIF89a",
            "--C--",
            "--B--",
            "--A", "Content-Type: application/octet-stream", "", "bin",
            "--A--",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.map(\.contentType.mimeType) == ["text/plain", "text/html", "image/gif", "application/octet-stream"])
        #expect(leaves.map(\.depth) == [2, 3, 3, 1])
        #expect(T.bodyString(leaves[1], bytes) == "<b>x</b>")
        #expect(T.bodyString(leaves[2], bytes) == "GIF89a")
        #expect(T.bodyString(leaves[3], bytes) == "bin")
        #expect(m.allParts().count == 7)
        #expect(m.defects.isEmpty)
    }

    @Test func messageRFC822IsOneLeafButParsed() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=m", "",
            "--m", "Content-Type: text/plain", "", "fwd",
            "--m", "Content-Type: message/rfc822", "", "Subject: inner", "Content-Type: multipart/alternative; boundary=i", "",
            "--i", "Content-Type: text/html", "", "<img src=x>",
            "--i--",
            "--m--",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.count == 2)
        #expect(leaves[1].isMessageRFC822)
        #expect(leaves[1].isLeaf)
        let inner = try #require(leaves[1].children.first)
        #expect(inner.header("subject")?.value == "inner")
        #expect(inner.depth == 2)
        #expect(inner.children.count == 1)
        #expect(inner.children[0].contentType.mimeType == "text/html")
        #expect(leaves[1].bodyRange == inner.range)
        #expect(m.defects.isEmpty)
    }

    @Test func digestDefaultsToMessageRFC822() throws {
        let bytes = T.message([
            "Content-Type: multipart/digest; boundary=d", "",
            "--d", "", "Subject: one", "", "body one",
            "--d--",
        ])
        let m = try T.parse(bytes)
        let part = m.root.children[0]
        #expect(part.contentType.mimeType == "message/rfc822")
        #expect(part.contentTypeDefaulted)
        #expect(part.isMessageRFC822)
        #expect(part.children.first?.header("Subject")?.value == "one")
    }

    @Test func missingFinalBoundaryEndsAtEOF() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=x", "",
            "--x", "Content-Type: text/plain", "", "first",
            "--x", "Content-Type: text/html", "", "<p>runs to the end</p>",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.count == 2)
        #expect(T.bodyString(leaves[1], bytes) == "<p>runs to the end</p>\r\n")
        #expect(leaves[1].bodyRange.upperBound == bytes.count)
        #expect(m.defects.contains { $0.contains("missing final boundary") })
    }

    @Test func preambleAndEpilogue() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=p", "",
            "This is a multi-part message in MIME format.", "",
            "--p", "", "implicit text/plain",
            "--p--", "epilogue line 1", "--p", "epilogue line 2",
        ])
        let m = try T.parse(bytes)
        let pre = try #require(m.root.preambleRange)
        #expect(String(decoding: bytes[pre], as: UTF8.self) == "This is a multi-part message in MIME format.\r\n")
        #expect(m.root.children.count == 1) // a delimiter after the close delimiter is epilogue text
        #expect(m.root.children[0].headers.isEmpty)
        #expect(m.root.children[0].contentType == .textPlainDefault)
        let epi = try #require(m.root.epilogueRange)
        #expect(String(decoding: bytes[epi], as: UTF8.self) == "epilogue line 1\r\n--p\r\nepilogue line 2\r\n")
        #expect(m.defects.isEmpty)
    }

    @Test func boundaryWithOddCharacters() throws {
        let boundary = "=_Part_0'()+_,-./:=? 42"
        let bytes = T.message([
            "Content-Type: multipart/alternative;", "\tboundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain", "", "a",
            "--\(boundary)  ", "Content-Type: text/html", "", "b",
            "--\(boundary)--\t",
        ])
        let m = try T.parse(bytes)
        #expect(m.root.contentType.boundary == boundary)
        #expect(m.leaves().count == 2)
        #expect(m.defects.isEmpty)
    }

    @Test func boundaryPrefixIsNotADelimiter() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=ab", "",
            "--ab", "Content-Type: multipart/alternative; boundary=abc", "",
            "--abc", "", "inner",
            "--abx is text",
            "--abc--",
            "--ab--",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.count == 1)
        #expect(T.bodyString(leaves[0], bytes) == "inner\r\n--abx is text")
        #expect(m.defects.isEmpty)
    }

    @Test func outerBoundaryClosesInnerPart() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=o", "",
            "--o", "Content-Type: multipart/alternative; boundary=i", "",
            "--i", "", "inner without close",
            "--o", "Content-Type: text/plain", "", "next",
            "--o--",
        ])
        let m = try T.parse(bytes)
        #expect(m.leaves().count == 2)
        #expect(T.bodyString(m.leaves()[0], bytes) == "inner without close")
        #expect(m.defects.count == 1)
    }

    @Test func bareLFMessage() throws {
        let bytes = T.message([
            "Content-Type: multipart/alternative; boundary=lf", "",
            "--lf", "Content-Type: text/plain", "", "one", "two",
            "--lf", "Content-Type: text/html", "", "<p>3</p>",
            "--lf--",
        ], eol: "\n")
        let m = try T.parse(bytes)
        #expect(m.lineEnding == .lf)
        let leaves = m.leaves()
        #expect(leaves.count == 2)
        #expect(T.bodyString(leaves[0], bytes) == "one\ntwo")
        #expect(T.bodyString(leaves[1], bytes) == "<p>3</p>")
    }

    @Test func foldedHeaders() throws {
        let bytes = T.message([
            "Subject: a long", "  folded\tsubject", "Content-Type: text/html;", " charset=\"ISO-8859-1\";",
            "\tformat=flowed", "X-Empty:", "", "body",
        ])
        let m = try T.parse(bytes)
        #expect(m.root.header("SUBJECT")?.value == "a long  folded\tsubject")
        #expect(m.root.contentType.mimeType == "text/html")
        #expect(m.root.contentType.charset == "iso-8859-1")
        #expect(m.root.contentType.parameters["format"] == "flowed")
        #expect(m.root.header("x-empty")?.value == "")
        let subject = try #require(m.root.header("subject"))
        #expect(String(decoding: bytes[subject.range], as: UTF8.self) == "Subject: a long\r\n  folded\tsubject\r\n")
    }

    @Test func headerRunningIntoBodyWithoutBlankLine() throws {
        let bytes = T.message(["Subject: x", "this is not a header", "more"])
        let m = try T.parse(bytes)
        #expect(!m.root.hasHeaderSeparator)
        #expect(T.bodyString(m.root, bytes) == "this is not a header\r\nmore\r\n")
        #expect(m.defects.count == 1)
    }

    @Test func emptyInputAndHeadersOnly() throws {
        let empty = try T.parse([])
        #expect(empty.leaves().count == 1)
        #expect(empty.root.bodyRange.isEmpty)
        let headersOnly = try T.parse(Array("Subject: x".utf8))
        #expect(headersOnly.root.headers.first?.value == "x")
        #expect(headersOnly.root.bodyRange == 10..<10)
    }

    @Test func multipartWithoutBoundaryIsALeaf() throws {
        let bytes = T.message(["Content-Type: multipart/mixed", "", "--x", "text"])
        let m = try T.parse(bytes)
        #expect(m.leaves().count == 1)
        #expect(m.root.children.isEmpty)
        #expect(m.defects.contains { $0.contains("no boundary") })
    }

    @Test func encodedMessageRFC822IsOpaque() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=z", "",
            "--z", "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "", "U3ViamVjdDogeA0KDQpi",
            "--z--",
        ])
        let m = try T.parse(bytes)
        let leaf = m.leaves()[0]
        #expect(leaf.isMessageRFC822)
        #expect(leaf.children.isEmpty)
    }

    @Test func invalidContentTypeFallsBackToDefault() throws {
        let bytes = T.message(["Content-Type: text", "", "x"])
        let m = try T.parse(bytes)
        #expect(m.root.contentType == .textPlainDefault)
        #expect(m.root.contentTypeDefaulted)
        #expect(!m.defects.isEmpty)
    }

    @Test func repeatedDelimitersMakeNoEmptyPart() throws {
        let bytes = T.message([
            "Content-Type: multipart/alternative; boundary=r", "",
            "--r", "Content-Type: text/plain", "", "a",
            "--r", "--r", "Content-Type: text/html", "", "<p>b</p>",
            "--r--",
        ])
        let m = try T.parse(bytes)
        #expect(m.leaves().map(\.contentType.mimeType) == ["text/plain", "text/html"])
        #expect(m.defects.count == 1)
    }

    @Test func nestedMultipartReusingOuterBoundaryIsNotEntered() throws {
        // Python's feedparser tests enclosing boundaries first: the inner multipart never starts.
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=same", "",
            "--same", "Content-Type: multipart/alternative; boundary=same", "",
            "--same", "Content-Type: text/plain", "", "a",
            "--same--",
        ])
        let m = try T.parse(bytes)
        #expect(m.leaves().map(\.contentType.mimeType) == ["multipart/alternative", "text/plain"])
        #expect(m.leaves()[0].children.isEmpty)
    }

    @Test func encapsulatedMessageInsideEncapsulatedMessage() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=L0", "",
            "--L0", "Content-Type: message/rfc822", "",
            "Subject: level1", "Content-Type: multipart/mixed; boundary=L1", "",
            "--L1", "Content-Type: message/rfc822", "",
            "Subject: level2", "", "deepest body",
            "--L1--",
            "--L0", "Content-Type: text/plain", "", "after",
            "--L0--",
        ])
        let m = try T.parse(bytes)
        let leaves = m.leaves()
        #expect(leaves.map(\.contentType.mimeType) == ["message/rfc822", "text/plain"])
        let level1 = try #require(leaves[0].children.first)
        let level2 = try #require(level1.children.first?.children.first)
        #expect(level2.header("subject")?.value == "level2")
        #expect(T.bodyString(level2, bytes) == "deepest body")
        #expect(T.bodyString(leaves[1], bytes) == "after")
        #expect(m.allParts().count == 6) // mixed, rfc822, level1, rfc822, level2, text/plain
        #expect(m.defects.isEmpty)
    }

    @Test func thousandPartsParseInOnePass() throws {
        var lines = ["Content-Type: multipart/mixed; boundary=many", ""]
        for i in 0..<999 { lines += ["--many", "Content-Type: text/plain", "", "part \(i)"] }
        lines.append("--many--")
        let bytes = T.message(lines)
        let m = try T.parse(bytes)
        #expect(m.leaves().count == 999)
        #expect(T.bodyString(m.leaves()[998], bytes) == "part 998")
        #expect(throws: MIMEError.self) {
            try T.parse(T.message(lines.dropLast() + ["--many", "", "one too many", "--many--"]))
        }
    }
}

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
        #expect(T.bodyString(m.root, bytes) == "Hello\r\nworld\r\n")
        #expect(String(decoding: bytes[m.root.headerRange], as: UTF8.self) == "From: a@example.org\r\nSubject: hi\r\n")
        #expect(m.defects.isEmpty)
        #expect(m.lineEnding == .crlf)
        #expect(m.leaves().count == 1)
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
        #expect(m.defects.isEmpty)
    }
}

// QPSpliceRenderTests: the engine renders a quoted-printable HTML leaf by splicing: the tracker's
// line and the footer's line are re-encoded, every other encoded line (here in a style our encoder
// would not write: lower-case hex, short soft-broken lines) is kept byte for byte, and the leaf
// decodes to the input's HTML with the edits applied.
import Foundation
import Testing
import PixelEngine
import PixelMIME
import PixelPolicy

@Suite struct QPSpliceRenderTests {
    static let kept = ["<html><head><meta charset=3d\"utf-8\"></head>", "<body><p>Bonjour, voici nos nouveaut=c3=a9s =",
                       "de la semaine.</p>", "<p>Une ligne courte qui continue=", " ici.</p>"]

    static func message(_ pixelLine: String) -> [UInt8] {
        let html = (Self.kept + [pixelLine, "<p>Fin</p>", "</body>", "</html>"]).joined(separator: "\r\n")
        return Array(("From: a@shop.example\r\nTo: ana.lima@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
            + "--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + html + "\r\n--b1--\r\n").utf8)
    }

    @Test(arguments: ["none", "open_measurement"])
    func untouchedLinesAreKept(consent: String) throws {
        let m = Self.message("<img src=3d\"https://u9.esp-mail.example/wf/open?upn=3dZq3RkT9w\" width=3d\"1=\r\n\" height=3d\"1\">")
        let run = try TestEngine.run(TestEngine.make(), m, recipient: "ana.lima@example.org", profile: TestEngine.profile(consent: consent))
        let out = String(decoding: run.output, as: UTF8.self)
        #expect(!out.contains("wf/open"))
        #expect(out.contains("\r\n\r\n" + Self.kept.joined(separator: "\r\n") + "\r\n"))
        #expect(out.contains("\r\n<p>Fin</p>\r\n"))
        #expect(out.hasSuffix("</html>\r\n--b1--\r\n"))
        // The decoded HTML: the input's with the image gone (and the footer, if any, before </body>).
        let inHTML = try Self.html(m), outHTML = try Self.html(run.output)
        let imgStart = try #require(inHTML.firstRange(of: Array("<img".utf8))).lowerBound
        let imgEnd = try #require(inHTML.firstRange(of: Array("\"1\">".utf8))).upperBound
        let body = try #require(inHTML.firstRange(of: Array("</body>".utf8))).lowerBound
        #expect(outHTML.starts(with: inHTML[..<imgStart]))
        #expect(Array(outHTML.dropFirst(imgStart).prefix(body - imgEnd)) == Array(inHTML[imgEnd..<body]))
        #expect(outHTML.reversed().starts(with: inHTML[body...].reversed()))
        #expect(TestEngine.longestLine(run.output) <= 76)
    }

    static func html(_ message: [UInt8]) throws -> [UInt8] {
        try message.withUnsafeBytes { buf in
            let parsed = try MIMEParser.parse(buf)
            let leaf = try #require(parsed.leaves().first { $0.contentType.subtype == "html" })
            return TransferCodec.decodeBody(of: leaf, in: buf).bytes
        }
    }
}

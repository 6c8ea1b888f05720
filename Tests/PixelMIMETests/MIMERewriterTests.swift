// MIMERewriter tests: identity output, top-level header removal (folded fields included), leaf
// replacement in each transfer encoding, the switch to quoted-printable with its header
// rewrite, refusal of encapsulated messages, and that untouched bytes are copied by range.
import Testing
@testable import PixelMIME

@Suite struct MIMERewriterTests {
    static let sample = T.message([
        "From: a@example.org", "Tracking-Purposes: open_measurement,", "  personalization",
        "Subject: s", "tracking-campaign: c1",
        "Content-Type: multipart/mixed; boundary=r", "",
        "--r", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
        "<p>caf=C3=A9</p>",
        "--r", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: 7bit", "", "plain",
        "--r", "Content-Type: image/gif", "Content-Transfer-Encoding: base64", "", "R0lGODlh",
        "--r", "Content-Type: message/rfc822", "", "Subject: inner", "", "inner body",
        "--r--",
    ])

    func render(_ chunks: [OutChunk], _ bytes: [UInt8]) -> [UInt8] { MIMERewriter.render(chunks, original: bytes) }

    @Test func noChangeIsIdentity() throws {
        let m = try T.parse(Self.sample)
        let chunks = MIMERewriter(message: m).chunks()
        #expect(chunks == [.original(0..<Self.sample.count)])
        #expect(render(chunks, Self.sample) == Self.sample)
    }

    @Test func removesTrackingHeadersOnlyAtTopLevel() throws {
        let m = try T.parse(Self.sample)
        var r = MIMERewriter(message: m)
        r.removeTopLevelHeaders(names: ["Tracking-Purposes", "Tracking-Campaign"])
        let out = render(r.chunks(), Self.sample)
        let text = String(decoding: out, as: UTF8.self)
        #expect(!text.lowercased().contains("tracking-"))
        #expect(!text.contains("personalization"))
        #expect(text.hasPrefix("From: a@example.org\r\nSubject: s\r\nContent-Type: multipart/mixed"))
        #expect(out.count == Self.sample.count - "Tracking-Purposes: open_measurement,\r\n  personalization\r\ntracking-campaign: c1\r\n".utf8.count)
        let again = try T.parse(out)
        #expect(again.leaves().count == m.leaves().count)
    }

    @Test func replacesQuotedPrintableLeaf() throws {
        let m = try T.parse(Self.sample)
        var r = MIMERewriter(message: m)
        try r.replaceLeaf(0, decodedBody: Array("<p>café</p><a href=\"https://x.example/w/t\">retirer</a>".utf8))
        let chunks = r.chunks()
        let out = render(chunks, Self.sample)
        let again = try T.parse(out)
        let leaf = again.leaves()[0]
        #expect(leaf.transferEncoding == .quotedPrintable)
        #expect(String(decoding: T.decoded(leaf, out).bytes, as: UTF8.self) == "<p>café</p><a href=\"https://x.example/w/t\">retirer</a>")
        // Everything outside the leaf body is copied by range.
        let originals = chunks.compactMap { if case .original(let r) = $0 { r } else { nil } }
        #expect(originals.count == 2)
        #expect(originals[0].upperBound == m.leaves()[0].bodyRange.lowerBound)
        #expect(originals[1].lowerBound == m.leaves()[0].bodyRange.upperBound)
        for i in 1..<4 { #expect(T.body(again.leaves()[i], out) == T.body(m.leaves()[i], Self.sample)) }
    }

    @Test func replacesBase64LeafWithoutTrailingBlankLine() throws {
        let m = try T.parse(Self.sample)
        let gif = (0..<200).map { UInt8($0 % 256) }
        let out = render(try MIMERewriter.rewrite(m, replacements: [2: gif]), Self.sample)
        let again = try T.parse(out)
        #expect(T.decoded(again.leaves()[2], out) == DecodeResult(bytes: gif, clean: true))
        let body = T.bodyString(again.leaves()[2], out)
        #expect(!body.hasSuffix("\r\n")) // the delimiter's CRLF follows directly
        #expect(body.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
    }

    @Test func sevenBitLeafSwitchesToQuotedPrintableWhenNeeded() throws {
        let m = try T.parse(Self.sample)
        let latin1 = Array("plain ".utf8) + [0xE9] + Array("t\u{E9}".utf8)
        let out = render(try MIMERewriter.rewrite(m, replacements: [1: latin1]), Self.sample)
        let again = try T.parse(out)
        let leaf = again.leaves()[1]
        #expect(leaf.transferEncoding == .quotedPrintable)
        #expect(leaf.headers(named: "content-transfer-encoding").count == 1)
        #expect(T.decoded(leaf, out).bytes == latin1)
        #expect(again.leaves().map(\.contentType.mimeType) == m.leaves().map(\.contentType.mimeType))
    }

    @Test func sevenBitLeafWithoutEncodingHeaderGetsOne() throws {
        let bytes = T.message(["Subject: x", "", "line"])
        let m = try T.parse(bytes)
        let long = [UInt8](repeating: 65, count: 2000)
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: long]), bytes)
        let again = try T.parse(out)
        #expect(again.root.transferEncoding == .quotedPrintable)
        #expect(T.decoded(again.root, out).bytes == long + [13, 10]) // body ran to the end: keeps its line end
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
    }

    @Test func identityLeafKeepsEncodingAndBreaksLongLines() throws {
        let bytes = T.message(["Content-Type: text/html", "Content-Transfer-Encoding: 8bit", "", "<p>x</p>"])
        let m = try T.parse(bytes)
        let html = Array(String(repeating: "<span>été</span>", count: 200).utf8)
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: html]), bytes)
        let again = try T.parse(out)
        #expect(again.root.transferEncoding == .eightBit)
        #expect(out.split(separator: 10).allSatisfy { $0.count <= 999 })
        #expect(T.body(again.root, out).filter { $0 != 13 && $0 != 10 } == html)
    }

    @Test func refusesEncapsulatedMessageAndBadIndex() throws {
        let m = try T.parse(Self.sample)
        var r = MIMERewriter(message: m)
        #expect(throws: MIMERewriteError.self) { try r.replaceLeaf(3, decodedBody: []) }
        #expect(throws: MIMERewriteError.noSuchLeaf(index: 9, leafCount: 4)) { try r.replaceLeaf(9, decodedBody: []) }
        try r.replaceLeaf(0, decodedBody: [65])
        #expect(throws: MIMERewriteError.leafNotRewritable(index: 0, reason: "already replaced")) { try r.replaceLeaf(0, decodedBody: [66]) }
    }

    @Test func insertTopLevelHeader() throws {
        let m = try T.parse(Self.sample)
        var r = MIMERewriter(message: m)
        r.insertTopLevelHeader(name: "Received", value: "by pixelgate")
        r.removeTopLevelHeaders(names: ["from"])
        let out = String(decoding: render(r.chunks(), Self.sample), as: UTF8.self)
        #expect(out.hasPrefix("Received: by pixelgate\r\nTracking-Purposes"))
    }

    @Test func bareLFMessageStaysBareLF() throws {
        let bytes = T.message(["Content-Type: multipart/alternative; boundary=z", "", "--z",
                               "Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable", "", "a", "--z--"], eol: "\n")
        let m = try T.parse(bytes)
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: Array("one\ntwo \u{E9}".utf8)]), bytes)
        #expect(!out.contains(13))
        let again = try T.parse(out)
        #expect(T.decoded(again.leaves()[0], out).bytes == Array("one\ntwo \u{E9}".utf8))
    }

    @Test func emptyPartsGetTheirDelimiterLineEnd() throws {
        // Empty bodies: after a blank line, and after headers with no blank line at all.
        let bytes = T.message([
            "Content-Type: multipart/alternative; boundary=e", "",
            "--e", "Content-Type: text/plain", "",
            "--e", "Content-Type: text/html",
            "--e", "Content-Type: image/gif", "Content-Transfer-Encoding: base64", "",
            "--e--",
        ])
        let m = try T.parse(bytes)
        #expect(m.leaves().allSatisfy { $0.bodyRange.isEmpty && $0.bodyAbutsDelimiter })
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: Array("footer".utf8), 1: Array("<p>f</p>".utf8), 2: [1, 2, 3]]), bytes)
        let again = try T.parse(out)
        #expect(again.leaves().count == 3)
        #expect(T.decoded(again.leaves()[0], out).bytes == Array("footer".utf8))
        #expect(T.decoded(again.leaves()[1], out).bytes == Array("<p>f</p>".utf8))
        #expect(T.decoded(again.leaves()[2], out).bytes == [1, 2, 3])
        #expect(again.leaves()[1].hasHeaderSeparator)
        #expect(again.defects.isEmpty)
    }

    @Test func contentHoldingABoundaryCannotSplitThePart() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=outer", "",
            "--outer", "Content-Type: multipart/alternative; boundary=inner", "",
            "--inner", "Content-Type: text/plain", "Content-Transfer-Encoding: 8bit", "", "a",
            "--inner", "Content-Type: text/html", "Content-Transfer-Encoding: quoted-printable", "", "b",
            "--inner--", "--outer--",
        ])
        let m = try T.parse(bytes)
        let evil = Array("x\r\n--outer\r\n--inner--\r\ny".utf8)
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: evil, 1: evil]), bytes)
        let again = try T.parse(out)
        #expect(again.leaves().count == 2)
        #expect(again.leaves()[0].transferEncoding == .quotedPrintable) // switched from 8bit
        for leaf in again.leaves() { #expect(T.decoded(leaf, out).bytes == evil) }
        #expect(again.defects.isEmpty)
    }

    @Test func duplicateTransferEncodingFieldsAreCollapsed() throws {
        let bytes = T.message(["Content-Type: text/plain", "Content-Transfer-Encoding: 7bit", "X: y",
                               "content-transfer-encoding: 8bit", "", "a"])
        let m = try T.parse(bytes)
        let out = render(try MIMERewriter.rewrite(m, replacements: [0: Array("caf\u{E9}".utf8)]), bytes)
        let again = try T.parse(out)
        #expect(again.root.headers(named: "Content-Transfer-Encoding").map(\.value) == ["quoted-printable"])
        #expect(again.root.headers.map(\.name) == ["Content-Type", "Content-Transfer-Encoding", "X"])
        #expect(T.decoded(again.root, out).bytes == Array("caf\u{E9}\r\n".utf8))
    }

    @Test func oddHeaderEndingsGetAProperSeparator() throws {
        // Header block ended by a bare CR at the end; header without any line end; no header.
        let cases: [[UInt8]] = [Array("Subject: x\r\n\r".utf8), Array("Subject: x".utf8), Array("not a header\r\n".utf8)]
        for bytes in cases {
            let m = try T.parse(bytes)
            for text in [Array("plain".utf8), Array("caf\u{E9}".utf8)] {
                let out = render(try MIMERewriter.rewrite(m, replacements: [0: text]), bytes)
                let again = try T.parse(out)
                #expect(again.root.hasHeaderSeparator, "\(out)")
                #expect(again.root.headers.count == m.root.headers.count + (text.allSatisfy { $0 < 128 } ? 0 : 1))
                let decoded = T.decoded(again.root, out).bytes
                #expect(decoded == text || decoded == text + [13, 10], "\(String(decoding: out, as: UTF8.self))")
            }
        }
    }

    @Test func partOpenedByAFinalDelimiterWithoutLineEnd() throws {
        let bytes = Array("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\nfirst\r\n--a".utf8)
        let m = try T.parse(bytes)
        #expect(m.leaves().count == 2)
        #expect(!m.leaves()[1].headerEndsWithLineTerminator)
        for text in [Array("plain".utf8), Array("caf\u{E9}".utf8)] {
            let out = render(try MIMERewriter.rewrite(m, replacements: [1: text]), bytes)
            let again = try T.parse(out)
            #expect(again.leaves().count == 2, "\(String(decoding: out, as: UTF8.self))")
            #expect(T.decoded(again.leaves()[1], out).bytes == text)
        }
    }

    @Test func removedUnterminatedLastFieldAndEncodingSwitch() throws {
        // Header-only messages whose last field has no line end: removing it, or rewriting it,
        // must not leave a blank line before the inserted field nor a doubled one after.
        for bytes in [Array("Subject: s\r\nTracking-Purposes: x".utf8), Array("Subject: s\nContent-Transfer-Encoding: 7bit".utf8)] {
            let m = try T.parse(bytes)
            var r = MIMERewriter(message: m)
            r.removeTopLevelHeaders(names: ["tracking-purposes"])
            try r.replaceLeaf(0, decodedBody: Array("caf\u{E9}".utf8))
            let out = render(r.chunks(), bytes)
            let again = try T.parse(out)
            #expect(again.root.headers.map(\.name) == ["Subject", "Content-Transfer-Encoding"], "\(String(decoding: out, as: UTF8.self))")
            #expect(T.decoded(again.root, out).bytes == Array("caf\u{E9}".utf8))
        }
    }
}

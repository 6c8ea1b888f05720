// SMTPReplyTests: wire encoding (single, multi-line, enhanced codes, injection-proof text), the
// classification helpers, and the codes of the named replies.
import Testing
@testable import PixelSMTP

@Suite struct SMTPReplyTests {
    @Test func singleLine() {
        #expect(SMTPReply.ok("Queued").encoded() == bytes("250 2.0.0 Queued\r\n"))
        #expect(SMTPReply(354, nil, "go").encoded() == bytes("354 go\r\n"))
    }

    @Test func multiLineCarriesEnhancedCodeOnEveryLine() {
        let r = SMTPReply(code: 550, enhanced: "5.1.1", lines: ["first", "second", "third"])
        #expect(r.encoded() == bytes("550-5.1.1 first\r\n550-5.1.1 second\r\n550 5.1.1 third\r\n"))
    }

    @Test func emptyLines() {
        #expect(SMTPReply(code: 250, enhanced: nil, lines: []).encoded() == bytes("250 \r\n"))
        #expect(SMTPReply(code: 250, enhanced: "2.0.0", lines: [""]).encoded() == bytes("250 2.0.0\r\n"))
    }

    @Test func textCannotInjectLines() {
        let r = SMTPReply(250, "2.0.0", "ok\r\n250 injected\u{0}")
        let wire = r.encoded()
        #expect(wire == bytes("250 2.0.0 ok  250 injected \r\n"))
        #expect(hasOnlyCRLF(wire))
    }

    @Test func classification() {
        #expect(SMTPReply.ok().isPositive && !SMTPReply.ok().isTransient && !SMTPReply.ok().isPermanent)
        #expect(SMTPReply.startData.isPositive && SMTPReply.startData.isIntermediate)
        #expect(SMTPReply.tempfail().isTransient && !SMTPReply.tempfail().isPositive)
        #expect(SMTPReply.accessDenied.isPermanent)
    }

    @Test func namedRepliesHaveTheirCodes() {
        let expected: [(SMTPReply, Int, String?)] = [
            (.serviceUnavailable421(), 421, "4.3.2"), (.syntax(), 501, "5.5.4"), (.unknownCommand, 500, "5.5.1"),
            (.badSequence(), 503, "5.5.1"), (.lineTooLong, 500, "5.5.2"), (.bareNewline, 550, "5.5.2"),
            (.messageTooBig, 552, "5.3.4"), (.tooManyRecipients, 452, "4.5.3"), (.accessDenied, 554, "5.7.1"),
            (.authRequired, 530, "5.7.0"), (.timeout, 421, "4.4.2"), (.tempfail(), 451, "4.3.0"),
            (.startData, 354, nil), (.encryptionRequired, 538, "5.7.11"), (.unknownParameter("X"), 555, "5.5.4"),
            (.utf8AddressWithoutSMTPUTF8, 553, "5.6.7"), (.notImplemented, 502, "5.5.1"),
        ]
        for (reply, code, enhanced) in expected {
            #expect(reply.code == code && reply.enhanced == enhanced, "\(reply)")
        }
    }

    @Test func roundTripThroughReplyParser() throws {
        let replies = [
            SMTPReply(code: 250, enhanced: "2.1.5", lines: ["a", "b"]),
            SMTPReply(code: 421, enhanced: "4.4.2", lines: ["timeout"]),
            SMTPReply(code: 220, enhanced: nil, lines: ["mx.example ESMTP"]),
            SMTPReply(code: 554, enhanced: "5.7.1", lines: ["x", "", "z"]),
        ]
        var p = ReplyParser()
        for r in replies { p.append(r.encoded()) }
        for r in replies { #expect(try p.next() == r) }
        #expect(try p.next() == nil)
    }

    @Test func description() {
        #expect(SMTPReply.messageTooBig.description == "552 5.3.4 Error: message file too big")
    }
}

/// `encoded()` against the String-based encoder it replaced, on random replies.
@Suite struct SMTPReplyEncodingEquivalenceTests {
    static func reference(_ r: SMTPReply) -> [UInt8] {
        func sanitized(_ s: String) -> String {
            if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return s }
            return String(decoding: s.utf8.map { ($0 < 0x20 || $0 == 0x7F) ? 0x20 : $0 }, as: UTF8.self)
        }
        var out: [UInt8] = []
        let codeBytes = Array(String(r.code).utf8)
        let prefix: [UInt8]? = r.enhanced.map { Array(sanitized($0).utf8) }
        let texts = r.lines.isEmpty ? [""] : r.lines
        for (i, line) in texts.enumerated() {
            out.append(contentsOf: codeBytes)
            out.append(i == texts.count - 1 ? 0x20 : 0x2D)
            if let p = prefix {
                out.append(contentsOf: p)
                if !line.isEmpty { out.append(0x20) }
            }
            out.append(contentsOf: sanitized(line).utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
        return out
    }

    static func randomText() -> String {
        let pieces = ["", "Ok", " ", "\r\n", "\n", "\u{0}", "\u{7F}", "é", "日本", "\t", "x y", "🙂", "<a@b>", "."]
        return (0..<Int.random(in: 0...5)).map { _ in pieces.randomElement()! }.joined()
    }

    @Test func sameBytesAsTheStringEncoder() {
        let codes = [0, 7, 42, 99, 100, 220, 250, 354, 421, 451, 550, 554, 599, 999, 1000, 12345, -5]
        for _ in 0..<3_000 {
            let lines = (0..<Int.random(in: 0...4)).map { _ in Self.randomText() }
            let enhanced: String? = Bool.random() ? nil : ["2.0.0", "5.7.1", "", "4.\r\n3.0", Self.randomText()].randomElement()!
            let r = SMTPReply(code: codes.randomElement()!, enhanced: enhanced, lines: lines)
            #expect(r.encoded() == Self.reference(r), "\(r.code) \(String(describing: r.enhanced)) \(r.lines)")
        }
    }
}

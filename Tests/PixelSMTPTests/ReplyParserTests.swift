// ReplyParserTests: multi-line replies, enhanced-code extraction, pipelined replies, protocol
// violations (mixed codes, bad lines, too long, too many lines) and chunk-split independence.
import Testing
@testable import PixelSMTP

func parseReplies(_ s: String) throws(SMTPError) -> [SMTPReply] {
    var p = ReplyParser()
    p.append(bytes(s))
    var out: [SMTPReply] = []
    while let r = try p.next() { out.append(r) }
    return out
}

@Suite struct ReplyParserTests {
    @Test func multiLineEHLO() throws {
        let r = try parseReplies("250-mx.example Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n")
        #expect(r == [SMTPReply(code: 250, enhanced: nil, lines: ["mx.example Hello", "PIPELINING", "SIZE 1000", "8BITMIME"])])
    }

    @Test func enhancedCodes() throws {
        #expect(try parseReplies("550 5.1.1 No such user\r\n") == [SMTPReply(550, "5.1.1", "No such user")])
        #expect(try parseReplies("451-4.3.0 one\r\n451 4.3.0 two\r\n") == [SMTPReply(code: 451, enhanced: "4.3.0", lines: ["one", "two"])])
        #expect(try parseReplies("250 2.0.0\r\n") == [SMTPReply(code: 250, enhanced: "2.0.0", lines: [""])])
        // The class must match the code; otherwise it is text.
        #expect(try parseReplies("550 4.1.1 odd\r\n") == [SMTPReply(550, nil, "4.1.1 odd")])
        #expect(try parseReplies("250 2.0.0000 x\r\n") == [SMTPReply(250, nil, "2.0.0000 x")])
        #expect(try parseReplies("250 8BITMIME\r\n") == [SMTPReply(250, nil, "8BITMIME")])
        #expect(try parseReplies("354 Start mail input\r\n") == [SMTPReply(354, nil, "Start mail input")])
    }

    @Test func bareCodeAndLFOnly() throws {
        #expect(try parseReplies("250\r\n") == [SMTPReply(code: 250, enhanced: nil, lines: [""])])
        #expect(try parseReplies("250 ok\n") == [SMTPReply(250, nil, "ok")])
    }

    @Test func pipelinedRepliesComeOneByOne() throws {
        var p = ReplyParser()
        p.append(bytes("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 Nope\r\n354 go"))
        #expect(try p.next() == SMTPReply(250, "2.1.0", "Ok"))
        #expect(try p.next() == SMTPReply(250, "2.1.5", "Ok"))
        #expect(try p.next() == SMTPReply(550, "5.1.1", "Nope"))
        #expect(try p.next() == nil)
        #expect(p.buffered == 6)
        p.append(bytes("\r\n"))
        #expect(try p.next() == SMTPReply(354, nil, "go"))
    }

    @Test func bytesAfterReplyAreVisible() throws {
        var p = ReplyParser()
        p.append(bytes("220 2.0.0 Ready to start TLS\r\n250 injected\r\n"))
        #expect(try p.next()?.code == 220)
        #expect(p.buffered > 0)
    }

    @Test func violationsThrowAndStick() {
        for bad in ["250-a\r\n251 b\r\n", "25 x\r\n", "abc\r\n", "250x\r\n", "650 x\r\n", "190 x\r\n", "2500 x\r\n"] {
            var p = ReplyParser()
            p.append(bytes(bad))
            #expect(throws: SMTPError.self, "\(bad.debugDescription)") { while try p.next() != nil {} }
            #expect(throws: SMTPError.self) { _ = try p.next() }
        }
    }

    @Test func limits() {
        var p = ReplyParser(maxLineLength: 20, maxLines: 3)
        p.append(bytes("250 " + String(repeating: "x", count: 30) + "\r\n"))
        #expect(throws: SMTPError.self) { _ = try p.next() }
        var q = ReplyParser(maxLineLength: 100, maxLines: 3)
        q.append(bytes("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"))
        do throws(SMTPError) {
            _ = try q.next()
            Issue.record("4 lines must exceed maxLines 3")
        } catch {
            #expect(error.reply.code == 451 && error.reply.enhanced == "4.5.0")
            #expect(error.cause == "reply has too many lines")
        }
    }

    @Test func chunkSplitsGiveSameReplies() throws {
        let input = bytes("220 mx ESMTP\r\n250-mx\r\n250-AUTH PLAIN\r\n250 DSN\r\n250 2.1.0 Ok\r\n550-5.7.1 a\r\n550 5.7.1 b\r\n")
        let expected = try parseReplies(String(decoding: input, as: UTF8.self))
        #expect(expected.count == 4)
        var rng = SplitMix64(seed: 3)
        for _ in 0..<300 {
            var p = ReplyParser()
            var got: [SMTPReply] = []
            var offset = 0
            for len in randomSplits(count: input.count, using: &rng) {
                p.append(input[offset..<(offset + len)])
                offset += len
                while let r = try p.next() { got.append(r) }
            }
            #expect(got == expected)
        }
    }
}

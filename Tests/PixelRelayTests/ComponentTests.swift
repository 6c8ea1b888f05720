// Unit tests of the relay's small parts: header meter, answer aggregation, plan validation,
// Received header, credentials, spool, trace queue id, XFORWARD attributes, message source.
import Foundation
import Testing
import PixelNet
import PixelSMTP
@testable import PixelRelay

@Suite struct ComponentTests {
    private func meter(_ s: String, limit: Int, splits: [Int]) -> HeaderMeter {
        var m = HeaderMeter(limit: limit)
        let b = Array(s.utf8)
        var off = 0
        for n in splits + [b.count] where off < b.count {
            let e = min(b.count, off + n)
            b[off..<e].withUnsafeBytes { m.feed($0) }
            off = e
        }
        return m
    }

    @Test func headerMeterFindsEndAcrossSplits() {
        let msg = "A: 1\r\nB: 2\r\n\r\nbody that is long enough to exceed"
        for split in [1, 2, 3, 5, 7, 100] {
            let m = meter(msg, limit: 20, splits: Array(repeating: split, count: 60))
            #expect(m.finished && !m.exceeded && m.headerBytes == 14, "split \(split)")
        }
        #expect(meter("A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limit: 10, splits: [3]).exceeded)
        #expect(meter("\r\nbody", limit: 1_000, splits: [1]).headerBytes == 2)
        #expect(meter(String(repeating: "X", count: 500), limit: 100, splits: [7]).exceeded)
    }

    @Test func aggregateAnswers() {
        let ok = SMTPReply(250, "2.0.0", "Ok")
        let soft = SMTPReply(451, "4.3.0", "later")
        let hard = SMTPReply(554, "5.7.1", "no")
        #expect(Delivery.aggregate([ok, ok]) == ok)
        #expect(Delivery.aggregate([hard, hard]) == hard)
        #expect(Delivery.aggregate([ok, hard]).code == 451)
        #expect(Delivery.aggregate([soft, hard]).code == 451)
        #expect(Delivery.aggregate([]).code == 554)
    }

    @Test func planValidation() {
        let v = { (r: [Int]) in PlannedVariant(recipients: r, chunks: [], label: "v") }
        #expect(Delivery.validate([v([0, 1]), v([2])], recipientCount: 3))
        #expect(!Delivery.validate([v([0, 1])], recipientCount: 3))
        #expect(!Delivery.validate([v([0, 1]), v([1, 2])], recipientCount: 3))
        #expect(!Delivery.validate([v([0, 5])], recipientCount: 2))
        #expect(!Delivery.validate([v([-1, 0])], recipientCount: 1))
    }

    @Test func receivedHeaderFormat() {
        let h = ReceivedHeader(helo: "mx (evil)", clientName: nil, clientAddress: "192.0.2.1", byHost: "relay.test",
                               protocolName: ReceivedHeader.protocolName(lmtp: false, extended: true, tls: true, authenticated: true),
                               sessionID: "abc")
        let s = String(decoding: h.encoded(at: 0), as: UTF8.self)
        #expect(s == "Received: from mx??evil? (unknown [192.0.2.1])\r\n\tby relay.test (pixelgate) with ESMTPSA id abc;\r\n\tThu, 1 Jan 1970 00:00:00 +0000\r\n")
        #expect(ReceivedHeader.protocolName(lmtp: false, extended: false, tls: true, authenticated: false) == "SMTP")
        #expect(ReceivedHeader.protocolName(lmtp: true, extended: true, tls: false, authenticated: false) == "LMTP")
    }

    @Test func credentialsParsing() throws {
        let c = try InboundCredentials.parse("# comment\n\nalice:$6$salt$hash\nbob:$y$j9T$x$y\n", file: "f")
        #expect(c.count == 2)
        #expect(!c.verify(user: "alice", password: "x"))
        #expect(!c.verify(user: "nobody", password: "x"))
        #expect(throws: CredentialsError.malformed(file: "f", line: 1)) { try InboundCredentials.parse("alice:plaintext\n", file: "f") }
        let u = try UpstreamCredentials.parse("# c\nuser:pa:ss\n", file: "u")
        #expect(u == UpstreamCredentials(user: "user", password: "pa:ss"))
        #expect(throws: CredentialsError.empty("u")) { try UpstreamCredentials.parse("\n# none\n", file: "u") }
    }

    @Test func spoolMovesToDiskBeyondLimit() throws {
        let s = Spool(memoryLimit: 10, directory: NSTemporaryDirectory())
        let a = Array("0123456789".utf8), b = Array("abcdef".utf8)
        a.withUnsafeBytes { s.append($0) }
        #expect(!s.isOnDisk)
        b.withUnsafeBytes { s.append($0) }
        #expect(s.isOnDisk)
        #expect(s.count == 16)
        let all = try s.withBytes { Array($0) }
        #expect(all == a + b)
        let bad = Spool(memoryLimit: 0, directory: "/nonexistent-dir-for-test")
        a.withUnsafeBytes { bad.append($0) }
        #expect(bad.failure != nil)
    }

    @Test func traceQueueIDFromPostfixReceived() {
        func id(_ s: String) -> String? { Array(s.utf8).withUnsafeBytes { TraceQueueID.postfixQueueID(in: $0) } }
        #expect(id("Received: by mx.example (Postfix, from userid 0)\r\n\tid 4ABC123DEF; Mon, 30 Nov 2026\r\nSubject: x\r\n\r\n") == "4ABC123DEF")
        #expect(id("received: from a (b [1.2.3.4]) by mx (Postfix) with ESMTP id 3Zk9QW1mXcz4x;\r\n Mon\r\n\r\n") == "3Zk9QW1mXcz4x")
        #expect(id("Received: from a by mx (Exim) id 1ABCDE-000\r\n\r\n") == nil)
        #expect(id("Subject: x\r\n\r\nReceived: by x (Postfix) id ABCDEF1234;\r\n") == nil)
        #expect(id("Subject: x\r\nReceived: by x (Postfix) id ABC<>;\r\n\r\n") == nil)
    }

    @Test func xforwardAttributesPreferForwardedAndFollowOffer() {
        let c = ClientInfo(address: "127.0.0.1", port: 4000, helo: "client", forwarded: ["ADDR": "192.0.2.9", "IDENT": "Q1"], protocolName: "ESMTP")
        let attrs = c.xforwardAttributes(offeredInOrder: ClientInfo.offeredXForward(["name", "ADDR", "IDENT", "HELO"]))
        #expect(attrs.map(\.0) == ["NAME", "ADDR", "HELO", "IDENT"])
        #expect(attrs.first { $0.0 == "ADDR" }?.1 == "192.0.2.9")
        #expect(c.xforwardAttributes(offeredInOrder: ClientInfo.offeredXForward([])).isEmpty)
    }

    @Test func messageSourceClampsRanges() {
        let original = Array("hello world".utf8)
        original.withUnsafeBytes { p in
            let s = MessageSource(received: Array("R\r\n".utf8), chunks: [.original(6..<11), .bytes(Array("!".utf8)), .original(8..<99)], original: p)
            #expect(String(decoding: s.flattened(), as: UTF8.self) == "R\r\nworld!rld")
        }
    }
}

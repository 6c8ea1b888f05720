// End-to-end relay flows over loopback: pass-through, fan-out, partial failure + journal retry,
// LMTP per-recipient replies, access control, upstream down, limits and smuggling.
import Foundation
import Testing
import PixelNet
import PixelSMTP
@testable import PixelRelay

@Suite(.serialized) struct RelayFlowTests {
    init() { _ = RelayTestSupport.ignoreSigpipe }

    let message = "From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello\r\n..leading dot\r\nbye\r\n"

    private func send(_ c: TestClient, from: String = "a@example.org", to: [String], body: String, ehlo: String = "EHLO client.test", xforward: String? = nil) throws -> (rcpts: [SMTPReply], data: SMTPReply) {
        #expect(try c.cmd(ehlo).code == 250)
        if let xforward { #expect(try c.cmd(xforward).code == 250) }
        #expect(try c.cmd("MAIL FROM:<\(from)>").code == 250)
        var rr: [SMTPReply] = []
        for t in to { rr.append(try c.cmd("RCPT TO:<\(t)> NOTIFY=SUCCESS,FAILURE")) }
        let d = try c.cmd("DATA")
        guard d.code == 354 else { return (rr, d) }
        try c.send(body + ".\r\n")
        return (rr, try c.read())
    }

    @Test func passThroughArrivesWithReceivedHeaderOnly() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port))
        let c = try TestClient(port: server.addresses[0].port)
        #expect(try c.read().code == 220)
        let (rr, d) = try send(c, to: ["b@example.net", "c@example.net"], body: "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n..leading dot\r\nbye\r\n",
                               xforward: "XFORWARD NAME=mx.client IDENT=4ABC123")
        #expect(rr.allSatisfy { $0.code == 250 })
        #expect(d.code == 250)
        #expect(try c.cmd("QUIT").code == 221)
        let txs = up.transactions
        #expect(txs.count == 1)
        let body = String(decoding: txs[0].body, as: UTF8.self)
        #expect(body.hasPrefix("Received: from client.test (mx.client [127.0.0.1])\r\n\tby relay.test (pixelgate) with ESMTP id "))
        let afterReceived = body.components(separatedBy: "+0000\r\n").dropFirst().joined(separator: "+0000\r\n")
        #expect(afterReceived == "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n.leading dot\r\nbye\r\n")
        #expect(txs[0].rcpts == ["b@example.net", "c@example.net"])
        #expect(txs[0].xforward.joined().contains("IDENT=4ABC123"))
    }

    @Test func fanOutSendsOneTransactionPerVariant() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), planner: PerRecipientPlanner())
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["x@example.net", "y@example.net", "z@example.net"], body: message)
        #expect(d.code == 250)
        let txs = up.transactions
        #expect(txs.count == 3)
        for (t, who) in zip(txs.sorted { $0.rcpts[0] < $1.rcpts[0] }, ["x@example.net", "y@example.net", "z@example.net"]) {
            #expect(t.rcpts == [who])
            #expect(String(decoding: t.body, as: UTF8.self).contains("X-Test-Variant: \(who)\r\nFrom: a@example.org"))
        }
    }

    @Test func oneRejectedVariantGives451AndRetrySkipsDelivered() throws {
        let up = try FakeUpstreamServer()
        up.rejectDataFor = ["y@example.net"]
        defer { up.stop() }
        let journal = MemoryJournal()
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), planner: PerRecipientPlanner(), journal: journal)
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["x@example.net", "y@example.net", "z@example.net"], body: message)
        #expect(d.code == 451)
        #expect(d.enhanced == "4.3.0")
        #expect(up.transactions.count == 2)
        #expect(journal.count == 2)
        // The retry: upstream now accepts y; x and z must not be sent again.
        up.rejectDataFor = []
        let (_, d2) = try send(c, to: ["x@example.net", "y@example.net", "z@example.net"], body: message)
        #expect(d2.code == 250)
        let txs = up.transactions
        #expect(txs.count == 3)
        #expect(txs.last?.rcpts == ["y@example.net"])
        // A third identical attempt delivers nothing more: the retry's delivery was journaled too.
        let (_, d3) = try send(c, to: ["x@example.net", "y@example.net", "z@example.net"], body: message)
        #expect(d3.code == 250)
        #expect(up.transactions.count == 3)
    }

    @Test func allRejectedTheSameWayRelaysTheFailure() throws {
        let up = try FakeUpstreamServer()
        up.rejectDataFor = ["x@example.net"]
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port))
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["x@example.net"], body: message)
        #expect(d.code == 554)
        #expect(d.enhanced == "5.7.1")
    }

    @Test func lmtpAnswersPerRecipient() throws {
        let up = try FakeUpstreamServer()
        up.rejectDataFor = ["y@example.net"]
        up.rejectRcpt = ["nobody@example.net"]
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), planner: PerRecipientPlanner(), lmtp: true)
        let c = try TestClient(port: server.addresses[1].port)
        #expect(try c.read().code == 220)
        #expect(try c.cmd("EHLO x").code == 500)  // LMTP wants LHLO
        #expect(try c.cmd("LHLO client.test").code == 250)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<x@example.net>").code == 250)
        #expect(try c.cmd("RCPT TO:<nobody@example.net>").code == 550)
        #expect(try c.cmd("RCPT TO:<y@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send(message + ".\r\n")
        let r1 = try c.read(), r2 = try c.read()
        #expect(r1.code == 250)
        #expect(r2.code == 554)
        #expect(up.transactions.map(\.rcpts) == [["x@example.net"]])
    }

    @Test func clientOutsideAllowNetworksIsRefused() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.allowNetworks = IPNetworkList([IPNetwork("10.0.0.0/8")!])
        let server = try RelayTestSupport.server(s)
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO x").code == 250)
        let r = try c.cmd("MAIL FROM:<a@example.org>")
        #expect(r.code == 554 && r.enhanced == "5.7.1")
        #expect(try c.cmd("XFORWARD IDENT=1").code == 550)
        #expect(up.transactions.isEmpty)
    }

    @Test func upstreamDownGives4xxAtMail() throws {
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        let port = l.address.port
        _ = consume l
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: port))
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO x").code == 250)
        let r = try c.cmd("MAIL FROM:<a@example.org>")
        #expect(r.code == 451 && r.enhanced == "4.4.1")
    }

    @Test func upstreamMailRefusalIsRelayed() throws {
        let up = try FakeUpstreamServer()
        up.mailReply = "553 5.1.8 Sender domain refused"
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port))
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO x").code == 250)
        let r = try c.cmd("MAIL FROM:<a@example.org>")
        #expect(r.code == 553 && r.enhanced == "5.1.8")
    }

    @Test func limitsAnswerWithTheirCodes() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.limits.maxMessageSize = 200
        s.limits.maxRecipients = 2
        s.limits.maxLineLength = 100
        s.limits.maxHeaderSize = 120
        let server = try RelayTestSupport.server(s)
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let ehlo = try c.cmd("EHLO x")
        #expect(ehlo.lines.contains("SIZE 200"))
        #expect(try c.cmd("MAIL FROM:<a@example.org> SIZE=1000").code == 552)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<r1@example.net>").code == 250)
        #expect(try c.cmd("RCPT TO:<r2@example.net>").code == 250)
        let over = try c.cmd("RCPT TO:<r3@example.net>")
        #expect(over.code == 452 && over.enhanced == "4.5.3")
        #expect(try c.cmd("DATA").code == 354)
        try c.send("Subject: x\r\n\r\n" + String(repeating: "0123456789\r\n", count: 40) + ".\r\n")
        let big = try c.read()
        #expect(big.code == 552 && big.enhanced == "5.3.4")
        // An overlong line.
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<r1@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send("Subject: x\r\n\r\n" + String(repeating: "x", count: 150) + "\r\n.\r\n")
        let long = try c.read()
        #expect(long.code == 500 && long.enhanced == "5.5.2")
        // An oversized header section.
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<r1@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send(String(repeating: "X-Pad: 0123456789\r\n", count: 9) + "\r\nbody\r\n.\r\n")
        let hdr = try c.read()
        #expect(hdr.code == 552 && hdr.enhanced == "5.3.4")
        // An overlong command line.
        let cmdLong = try c.cmd("NOOP " + String(repeating: "a", count: 600))
        #expect(cmdLong.code == 500 && cmdLong.enhanced == "5.5.2")
        #expect(try c.cmd("NOOP").code == 250)
        #expect(up.transactions.isEmpty)
    }

    @Test func idleClientGets421() throws {
        var s = RelayTestSupport.settings(upstreamPort: 1)
        s.limits.commandTimeout = 1
        let server = try RelayTestSupport.server(s)
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let r = try c.read(timeout: 5)
        #expect(r.code == 421 && r.enhanced == "4.4.2")
    }

    @Test(arguments: ["\n.\n", "\n.\r\n", "\r.\r", "\r.\n", "\r\n.\r\r\n"])
    func smugglingIsRejectedAndNothingLeaks(seq: String) throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port))
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO x").code == 250)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<b@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send("Subject: s\r\n\r\nbody" + seq + "MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nsmuggled\r\n.\r\n")
        let r = try c.read()
        #expect(r.code == 550 && r.enhanced == "5.5.2")
        #expect(try c.cmd("NOOP").code == 250)
        #expect(up.transactions.isEmpty)
    }

    @Test func nulDotIsNotATerminator() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port))
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["b@example.net"], body: "Subject: s\r\n\r\nbody\r\n\u{0}.\r\nMAIL FROM:<evil@example.org>\r\n")
        #expect(d.code == 250)
        #expect(up.transactions.count == 1)
        #expect(String(decoding: up.transactions[0].body, as: UTF8.self).contains("\u{0}.\r\nMAIL FROM:<evil@example.org>\r\n"))
    }

    @Test func dryRunDirectoryGetsMessageAndEnvelope() throws {
        let dir = NSTemporaryDirectory() + "outbox-\(UUID().uuidString)"
        var s = RelayTestSupport.settings(upstreamPort: nil)
        s.upstream.target = .directory(dir)
        let server = try RelayTestSupport.server(s, planner: PerRecipientPlanner())
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["b@example.net", "c@example.net"], body: message)
        #expect(d.code == 250)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.filter { $0.hasSuffix(".eml") }.count == 2)
        #expect(files.filter { $0.hasSuffix(".env") }.count == 2)
        let env = try #require(files.first { $0.hasSuffix(".env") })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + env))) as? [String: Any]
        #expect(json?["mail_from"] as? String == "a@example.org")
        #expect((json?["rcpt_to"] as? [String])?.count == 1)
    }

    @Test func overCapacityGets421() throws {
        var s = RelayTestSupport.settings(upstreamPort: 1)
        s.maxConnections = 1
        let server = try RelayTestSupport.server(s)
        let a = try TestClient(port: server.addresses[0].port)
        #expect(try a.read().code == 220)
        let b = try TestClient(port: server.addresses[0].port)
        let r = try b.read()
        #expect(r.code == 421 && r.enhanced == "4.3.2")
        a.close()
    }

    @Test func fanOutWithoutUpstreamPipeliningAndIdenticalResubmission() throws {
        let up = try FakeUpstreamServer()
        up.extensions = ["8BITMIME", "ENHANCEDSTATUSCODES"]
        defer { up.stop() }
        let journal = MemoryJournal()
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), planner: PerRecipientPlanner(), journal: journal)
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["x@example.net", "y@example.net"], body: message)
        #expect(d.code == 250)
        #expect(up.transactions.count == 2)
        #expect(up.transactions.allSatisfy { $0.xforward.isEmpty })  // XFORWARD not offered, not sent
        // A different message: both sent; the same bytes again after a complete success are a new
        // submission, not a retry (only partial failures are journaled): sent again.
        let (_, d2) = try send(c, to: ["x@example.net", "z@example.net"], body: message + "more\r\n")
        #expect(d2.code == 250)
        #expect(up.transactions.count == 4)
        let (_, d3) = try send(c, to: ["x@example.net", "z@example.net"], body: message + "more\r\n")
        #expect(d3.code == 250)
        #expect(up.transactions.count == 6)
    }

    @Test func secondUpstreamHostIsTriedWhenTheFirstIsDown() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let dead = try Listener.bind(host: "127.0.0.1", port: 0)
        let deadPort = dead.address.port
        _ = consume dead
        var s = RelayTestSupport.settings(upstreamPort: nil)
        s.upstream.target = .hosts([("127.0.0.1", deadPort), ("127.0.0.1", up.port)])
        let server = try RelayTestSupport.server(s)
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["b@example.net"], body: message)
        #expect(d.code == 250)
        #expect(up.transactions.count == 1)
    }

    @Test(arguments: [false, true])
    func upstreamHangupOrStallAtEndOfDataGives4xx(stall: Bool) throws {
        let up = try FakeUpstreamServer()
        if stall { up.stallAtDot = 3 } else { up.hangUpAtDot = true }
        defer { up.stop() }
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.upstream.dataTimeout = 1
        let journal = MemoryJournal()
        let server = try RelayTestSupport.server(s, journal: journal)
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let start = Deadline.now()
        let (_, d) = try send(c, to: ["b@example.net"], body: message)
        #expect(d.code == 451 && d.enhanced == "4.4.2")
        #expect(start.elapsedMillis < 2900)
        #expect(journal.count == 0)
        // The session is still usable: the next MAIL opens a fresh upstream session.
        up.hangUpAtDot = false
        up.stallAtDot = 0
        let (_, d2) = try send(c, to: ["b@example.net"], body: message)
        #expect(d2.code == 250)
    }

    @Test func largeMessageSpooledToDiskArrivesIntact() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.spoolMemoryLimit = 4096
        let server = try RelayTestSupport.server(s, planner: PerRecipientPlanner())
        defer { server.stop() }
        var rng = SystemRandomNumberGenerator()
        var body = "Subject: big\r\n\r\n"
        for i in 0..<4000 {
            let n = Int.random(in: 0..<90, using: &rng)
            body += (i % 7 == 0 ? "." : "") + String(repeating: "x", count: n) + "\(i)\r\n"
        }
        let stuffed = body.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let (_, d) = try send(c, to: ["b@example.net", "c@example.net"], body: stuffed)
        #expect(d.code == 250)
        #expect(up.transactions.count == 2)
        for t in up.transactions {
            let got = String(decoding: t.body, as: UTF8.self)
            #expect(got.hasSuffix("X-Test-Variant: \(t.rcpts[0])\r\n" + body))
        }
    }

    @Test(arguments: [false, true])
    func refusedDataCommandIsRelayedAndTheNextMessageGoesThrough(fanOut: Bool) throws {
        let up = try FakeUpstreamServer()
        up.refuseDataCommand = true
        defer { up.stop() }
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port),
                                                 planner: fanOut ? PerRecipientPlanner() as any VariantPlanner : PassThroughPlanner())
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        let to = fanOut ? ["b@example.net", "c@example.net"] : ["b@example.net"]  // two variants: pipelined transactions
        let (_, d) = try send(c, to: to, body: message)
        #expect(d.code == 554 && d.enhanced == "5.7.0")
        up.refuseDataCommand = false
        let (_, d2) = try send(c, to: to, body: message)
        #expect(d2.code == 250)
        #expect(up.transactions.count == to.count)
    }
}

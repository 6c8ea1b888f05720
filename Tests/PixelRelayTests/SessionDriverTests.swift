// InboundSession driven over an in-memory stream with a scripted in-process upstream: no sockets.
import Foundation
import Testing
import PixelNet
import PixelSMTP
@testable import PixelRelay

/// An Upstream whose answers are scripted and whose transactions are recorded.
final class ScriptedUpstream: Upstream, @unchecked Sendable {
    var label: String { "scripted" }
    var isAlive = true
    var capabilities: PeerCapabilities { var c = PeerCapabilities(); c.pipelining = true; c.dsn = true; return c }
    var rcptReply: (String) -> SMTPReply = { _ in SMTPReply(250, "2.1.5", "Ok") }
    var dataReply: ([String]) -> SMTPReply = { _ in SMTPReply(250, "2.0.0", "Ok: queued") }
    var failDataWith: UpstreamFailure?
    /// RCPT answers inside fan-out transactions (defaults to `rcptReply`).
    var transactionRcptReply: ((String) -> SMTPReply)?
    private(set) var sent: [(rcpts: [String], body: [UInt8])] = []
    private(set) var resets = 0
    private var open: [String] = []

    func mail(_ from: MailFrom, client: ClientInfo) throws(UpstreamFailure) -> SMTPReply { open = []; return SMTPReply(250, "2.1.0", "Ok") }
    func rcpt(_ to: RcptTo) throws(UpstreamFailure) -> SMTPReply {
        let r = rcptReply(to.address)
        if r.isPositive { open.append(to.address) }
        return r
    }
    func data(_ source: MessageSource) throws(UpstreamFailure) -> SMTPReply {
        if let f = failDataWith { isAlive = false; throw f }
        sent.append((open, source.flattened()))
        return dataReply(open)
    }
    func transaction(from: MailFrom, rcpts: [RcptTo], client: ClientInfo, source: MessageSource) throws(UpstreamFailure) -> TransactionReplies {
        if let f = failDataWith { isAlive = false; throw f }
        let rr = rcpts.map { (transactionRcptReply ?? rcptReply)($0.address) }
        let ok = zip(rcpts, rr).filter { $0.1.isPositive }.map { $0.0.address }
        guard !ok.isEmpty else { return TransactionReplies(mail: SMTPReply(250, "2.1.0", "Ok"), rcpts: rr, data: nil) }
        sent.append((ok, source.flattened()))
        return TransactionReplies(mail: SMTPReply(250, "2.1.0", "Ok"), rcpts: rr, data: dataReply(ok))
    }
    func reset() throws(UpstreamFailure) { resets += 1; open = [] }
    func quit() { isAlive = false }
}

struct ScriptedConnector: UpstreamConnector {
    let upstream: ScriptedUpstream
    func open(sessionID: String) throws(UpstreamFailure) -> any Upstream { upstream }
}

/// Runs a session on a thread and talks to it through the client end.
final class DrivenSession {
    let client: MemoryStream
    var parser = ReplyParser()
    let done = DispatchSemaphore(value: 0)

    init(settings: RelaySettings, upstream: ScriptedUpstream, planner: any VariantPlanner = PassThroughPlanner(),
         journal: (any DeliveryJournal)? = nil, mode: ServerSession.Mode = .smtp, clientHost: String = "127.0.0.1") {
        let (server, client) = MemoryStream.pair(clientHost: clientHost)
        self.client = client
        let env = RelayEnvironment(settings: settings, planner: planner, journal: journal, connector: ScriptedConnector(upstream: upstream))
        let session = InboundSession(stream: server, environment: env, mode: mode, sessionID: "test-session")
        let done = self.done
        Thread { session.run(); done.signal() }.start()
    }

    func read() throws -> SMTPReply {
        let deadline = Deadline.after(seconds: 5)
        while true {
            if let r = try parser.next() { return r }
            let b = try client.read(max: 4096, deadline: deadline)
            if b.isEmpty { throw NetError.closed }
            parser.append(b)
        }
    }

    func send(_ s: String) throws { try client.write(Array(s.utf8), deadline: .after(seconds: 5)) }

    @discardableResult
    func cmd(_ s: String) throws -> SMTPReply { try send(s + "\r\n"); return try read() }
}

@Suite struct SessionDriverTests {
    func settings() -> RelaySettings {
        var s = RelaySettings()
        s.hostname = "relay.test"
        s.spoolDirectory = NSTemporaryDirectory()
        s.limits.commandTimeout = 3
        s.limits.dataTimeout = 3
        return s
    }

    @Test func pipelinedTransactionGetsRepliesInOrder() throws {
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: settings(), upstream: up)
        #expect(try d.read().code == 220)
        try d.send("EHLO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nRCPT TO:<c@y.org>\r\nDATA\r\n")
        #expect(try d.read().code == 250)
        #expect(try d.read().code == 250)
        #expect(try d.read().code == 250)
        #expect(try d.read().code == 250)
        #expect(try d.read().code == 354)
        try d.send("Subject: p\r\n\r\nline\r\n.\r\nQUIT\r\n")
        #expect(try d.read().code == 250)
        #expect(try d.read().code == 221)
        #expect(d.done.wait(timeout: .now() + 5) == .success)
        #expect(up.sent.count == 1)
        #expect(up.sent[0].rcpts == ["b@y.org", "c@y.org"])
        #expect(String(decoding: up.sent[0].body, as: UTF8.self).hasSuffix("+0000\r\nSubject: p\r\n\r\nline\r\n"))
    }

    @Test func upstreamRcptRefusalIsRelayedAndOthersProceed() throws {
        let up = ScriptedUpstream()
        up.rcptReply = { $0 == "bad@y.org" ? SMTPReply(550, "5.1.1", "No such user") : SMTPReply(250, "2.1.5", "Ok") }
        let d = DrivenSession(settings: settings(), upstream: up)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        let bad = try d.cmd("RCPT TO:<bad@y.org>")
        #expect(bad.code == 550 && bad.enhanced == "5.1.1")
        #expect(try d.cmd("RCPT TO:<ok@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\n.\r\n")
        #expect(try d.read().code == 250)
        #expect(up.sent.map(\.rcpts) == [["ok@y.org"]])
    }

    @Test func dataWithoutAcceptedRecipientIsRefused() throws {
        let up = ScriptedUpstream()
        up.rcptReply = { _ in SMTPReply(550, "5.1.1", "No") }
        let d = DrivenSession(settings: settings(), upstream: up)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 550)
        #expect(try d.cmd("DATA").code == 554)
        #expect(up.sent.isEmpty)
    }

    @Test func upstreamDisconnectMidDataGives451AndNothingRecorded() throws {
        let up = ScriptedUpstream()
        up.failDataWith = .disconnected("test")
        let journal = MemoryJournal()
        let d = DrivenSession(settings: settings(), upstream: up, journal: journal)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\nbody\r\n.\r\n")
        let r = try d.read()
        #expect(r.code == 451 && r.enhanced == "4.4.2")
        #expect(journal.count == 0)
    }

    @Test func clientDisconnectMidDataRelaysNothing() throws {
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: settings(), upstream: up)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\npartial body without end")
        d.client.close()
        #expect(d.done.wait(timeout: .now() + 5) == .success)
        #expect(up.sent.isEmpty)
    }

    @Test func bareNewlineNormalizeRelaysCRLF() throws {
        var s = settings()
        s.bareNewline = .normalize
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: s, upstream: up)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\none\ntwo\n.\nMAIL FROM:<evil@x.org>\r\n.\r\n")
        #expect(try d.read().code == 250)
        let body = String(decoding: up.sent[0].body, as: UTF8.self)
        #expect(body.hasSuffix("one\r\ntwo\r\n.\r\nMAIL FROM:<evil@x.org>\r\n"))
    }

    @Test func lmtpPlanFailureAnswersEachRecipient() throws {
        struct Refusing: VariantPlanner {
            func prepare(recipient: String, session: String) -> any Sendable { () }
            func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
                throw .reject(code: 554, enhanced: "5.6.0", text: "unparseable")
            }
            func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
        }
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: settings(), upstream: up, planner: Refusing(), mode: .lmtp)
        _ = try d.read()
        #expect(try d.cmd("LHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<c@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\n.\r\n")
        let r1 = try d.read(), r2 = try d.read()
        #expect(r1.code == 554 && r2.code == 554 && r1.enhanced == "5.6.0")
        #expect(try d.cmd("NOOP").code == 250)
        #expect(up.sent.isEmpty)
    }

    @Test func brokenPlanIsATempfailNotTheOriginal() throws {
        struct Broken: VariantPlanner {
            func prepare(recipient: String, session: String) -> any Sendable { () }
            func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
                [PlannedVariant(recipients: [0], chunks: [.original(0..<message.count)], label: "v1")]  // forgets recipient 1
            }
            func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
        }
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: settings(), upstream: up, planner: Broken())
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<b@y.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<c@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\n.\r\n")
        let r = try d.read()
        #expect(r.code == 451 && r.enhanced == "4.3.0")
        #expect(up.sent.isEmpty)
    }

    @Test func authBeforeTLSIsRefusedAndStartTLSUnavailableInMemory() throws {
        var s = settings()
        s.credentials = InboundCredentials(entries: ["u": "$6$x$y"])
        let up = ScriptedUpstream()
        let d = DrivenSession(settings: s, upstream: up, clientHost: "192.0.2.7")
        _ = try d.read()
        let ehlo = try d.cmd("EHLO c")
        #expect(!ehlo.lines.contains { $0.hasPrefix("AUTH") })
        #expect(!ehlo.lines.contains { $0.hasPrefix("XFORWARD") })
        #expect(try d.cmd("AUTH PLAIN AHUAcA==").code == 538)
        let mail = try d.cmd("MAIL FROM:<a@x.org>")
        #expect(mail.code == 554 && mail.enhanced == "5.7.1")
    }

    @Test func tooManyErrorsCloses() throws {
        var s = settings()
        s.limits.maxErrors = 3
        let d = DrivenSession(settings: s, upstream: ScriptedUpstream())
        _ = try d.read()
        #expect(try d.cmd("BOGUS").code == 500)
        #expect(try d.cmd("BOGUS").code == 500)
        try d.send("BOGUS\r\n")
        #expect(try d.read().code == 500)
        let r = try d.read()
        #expect(r.code == 421 && r.enhanced == "4.7.0")
    }

    @Test func vrfyNoopRsetHelp() throws {
        let d = DrivenSession(settings: settings(), upstream: ScriptedUpstream())
        _ = try d.read()
        #expect(try d.cmd("HELO c").code == 250)
        #expect(try d.cmd("VRFY someone").code == 252)
        #expect(try d.cmd("NOOP").code == 250)
        #expect(try d.cmd("RSET").code == 250)
        #expect(try d.cmd("HELP").code == 214)
        #expect(try d.cmd("QUIT").code == 221)
    }

    @Test func variantRecipientRefusedInItsOwnTransactionGives451() throws {
        let up = ScriptedUpstream()
        up.transactionRcptReply = { $0 == "y@y.org" ? SMTPReply(450, "4.2.1", "Mailbox busy") : SMTPReply(250, "2.1.5", "Ok") }
        let journal = MemoryJournal()
        let d = DrivenSession(settings: settings(), upstream: up, planner: PerRecipientPlanner(), journal: journal)
        _ = try d.read()
        #expect(try d.cmd("EHLO c").code == 250)
        #expect(try d.cmd("MAIL FROM:<a@x.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<x@y.org>").code == 250)
        #expect(try d.cmd("RCPT TO:<y@y.org>").code == 250)
        #expect(try d.cmd("DATA").code == 354)
        try d.send("Subject: x\r\n\r\nbody\r\n.\r\n")
        let r = try d.read()
        #expect(r.code == 451 && r.enhanced == "4.3.0")
        #expect(up.sent.map(\.rcpts) == [["x@y.org"]])
        #expect(up.resets == 1)  // the MAIL/RCPT transaction opened inline was reset before fanning out
        #expect(journal.count == 1)
    }
}

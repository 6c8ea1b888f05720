// ServerSessionTests: command sequences through the server state machine, in SMTP and LMTP mode,
// with STARTTLS, AUTH, XFORWARD, access control and limits. A tiny driver applies the transitions
// the way the relay does (every allowed command succeeds) so whole dialogues can be checked.
import Testing
@testable import PixelSMTP

/// Runs command lines against a session; returns "ok" or "code enhanced" for each.
func dialogue(_ session: inout ServerSession, _ lines: [String]) -> [String] {
    lines.map { line in
        let cmd: SMTPCommand
        switch SMTPCommandParser.parse(bytes(line)) {
        case .success(let c): cmd = c
        case .failure(let e): return "\(e.reply.code) \(e.reply.enhanced ?? "-")"
        }
        if let refusal = session.check(cmd) { return "\(refusal.code) \(refusal.enhanced ?? "-")" }
        switch cmd {
        case .helo(let n): session.didGreet(name: n, extended: false)
        case .ehlo(let n), .lhlo(let n): session.didGreet(name: n)
        case .mail(let m): session.didAcceptMail(m)
        case .rcpt: session.didAcceptRcpt()
        case .data: session.didStartData(); session.didFinishData()
        case .rset: session.reset()
        case .starttls: session.didStartTLS()
        case .auth: session.didAuthenticate()
        case .quit: session.didQuit()
        default: break
        }
        return "ok"
    }
}

@Suite struct ServerSessionTests {
    @Test func normalTransaction() {
        var s = ServerSession()
        let r = dialogue(&s, ["EHLO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>",
                              "RCPT TO:<e@f.example>", "DATA", "MAIL FROM:<>", "RCPT TO:<x@y.example>", "RSET", "QUIT"])
        #expect(r == Array(repeating: "ok", count: 9))
        #expect(s.state == .quit)
        #expect(dialogue(&s, ["NOOP"]) == ["503 5.5.1"])
    }

    @Test func outOfOrder() {
        var s = ServerSession()
        #expect(dialogue(&s, ["MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"]) == ["503 5.5.1", "503 5.5.1", "503 5.5.1"])
        #expect(dialogue(&s, ["HELO c", "DATA", "MAIL FROM:<a@b.example>", "DATA", "MAIL FROM:<a@b.example>"])
            == ["ok", "503 5.5.1", "ok", "503 5.5.1", "503 5.5.1"])
        #expect(s.heloName == "c" && !s.extended)
    }

    @Test func dataAfterAllRecipientsRefused() {
        var s = ServerSession()
        _ = dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example>"])
        // RCPT allowed by check, but refused upstream: no didAcceptRcpt.
        #expect(s.check(.rcpt(RcptTo(address: "x@y.example"))) == nil)
        #expect(s.check(.data) == .noValidRecipients)
        #expect(s.rcptAttempts == 1 && s.recipientCount == 0)
    }

    @Test func heloVersusLhlo() {
        var smtp = ServerSession(mode: .smtp)
        #expect(dialogue(&smtp, ["LHLO c", "EHLO c"]) == ["500 5.5.1", "ok"])
        var lmtp = ServerSession(mode: .lmtp)
        #expect(dialogue(&lmtp, ["EHLO c", "HELO c", "MAIL FROM:<a@b.example>", "LHLO c", "MAIL FROM:<a@b.example>"])
            == ["500 5.5.1", "500 5.5.1", "503 5.5.1", "ok", "ok"])
    }

    @Test func ehloResetsTransaction() {
        var s = ServerSession()
        _ = dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"])
        #expect(s.recipientCount == 1)
        #expect(dialogue(&s, ["EHLO c", "RCPT TO:<c@d.example>"]) == ["ok", "503 5.5.1"])
        #expect(s.mailFrom == nil && s.recipientCount == 0)
    }

    @Test func recipientLimit() {
        var s = ServerSession(policy: .init(maxRecipients: 2))
        let r = dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<1@d.example>", "RCPT TO:<2@d.example>",
                              "RCPT TO:<3@d.example>", "DATA", "MAIL FROM:<a@b.example>", "RCPT TO:<4@d.example>"])
        #expect(r == ["ok", "ok", "ok", "ok", "452 4.5.3", "ok", "ok", "ok"])
    }

    @Test func declaredSizeLimit() {
        var s = ServerSession(policy: .init(maxMessageSize: 1000))
        #expect(dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example> SIZE=1001", "MAIL FROM:<a@b.example> SIZE=1000"])
            == ["ok", "552 5.3.4", "ok"])
    }

    @Test func smtputf8() {
        var s = ServerSession()
        #expect(dialogue(&s, ["EHLO c", "MAIL FROM:<ü@b.example>", "MAIL FROM:<a@b.example>", "RCPT TO:<ü@d.example>",
                              "RSET", "MAIL FROM:<a@b.example> SMTPUTF8", "RCPT TO:<ü@d.example>"])
            == ["ok", "553 5.6.7", "ok", "553 5.6.7", "ok", "ok", "ok"])
    }

    @Test func binaryMIMENeedsBDAT() {
        var s = ServerSession()
        #expect(dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example> BODY=BINARYMIME", "RCPT TO:<c@d.example>", "DATA"])
            == ["ok", "ok", "ok", "503 5.5.1"])
    }

    @Test func starttls() {
        var s = ServerSession(policy: .init(starttlsOffered: true))
        #expect(dialogue(&s, ["STARTTLS", "EHLO c", "MAIL FROM:<a@b.example>", "STARTTLS", "RSET", "STARTTLS"])
            == ["503 5.5.1", "ok", "ok", "503 5.5.1", "ok", "ok"])
        #expect(s.tlsActive && s.state == .connected && s.heloName == nil)
        #expect(dialogue(&s, ["MAIL FROM:<a@b.example>", "EHLO c", "STARTTLS"]) == ["503 5.5.1", "ok", "503 5.5.1"])
        var off = ServerSession()
        #expect(dialogue(&off, ["EHLO c", "STARTTLS"]) == ["ok", "502 5.5.1"])
    }

    @Test func authOnlyAfterTLS() {
        var s = ServerSession(policy: .init(starttlsOffered: true, authOffered: true))
        #expect(dialogue(&s, ["AUTH PLAIN", "EHLO c", "AUTH PLAIN", "STARTTLS", "AUTH PLAIN", "EHLO c", "AUTH CRAM-MD5",
                              "MAIL FROM:<a@b.example>", "AUTH PLAIN", "RSET", "AUTH LOGIN", "AUTH PLAIN"])
            == ["503 5.5.1", "ok", "538 5.7.11", "ok", "503 5.5.1", "ok", "504 5.5.4",
                "ok", "503 5.5.1", "ok", "ok", "503 5.5.1"])
        #expect(s.authenticated)
        #expect(!s.capabilities.authAdvertised, "AUTH is not advertised again after success")
        var disabled = ServerSession()
        #expect(dialogue(&disabled, ["EHLO c", "AUTH PLAIN"]) == ["ok", "503 5.5.1"])
        var plaintextAllowed = ServerSession(policy: .init(authOffered: true, authWithoutTLS: true))
        #expect(dialogue(&plaintextAllowed, ["EHLO c", "AUTH PLAIN"]) == ["ok", "ok"])
    }

    @Test func implicitTLSListener() {
        var s = ServerSession(policy: .init(starttlsOffered: true, authOffered: true), tlsActive: true)
        #expect(dialogue(&s, ["EHLO c", "STARTTLS", "AUTH LOGIN"]) == ["ok", "503 5.5.1", "ok"])
    }

    @Test func accessControl() {
        var outsider = ServerSession(policy: .init(starttlsOffered: true, authOffered: true, requireAuthentication: true))
        #expect(dialogue(&outsider, ["EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"])
            == ["ok", "554 5.7.1", "503 5.5.1"])
        #expect(dialogue(&outsider, ["STARTTLS", "EHLO c", "AUTH PLAIN", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"])
            == ["ok", "ok", "ok", "ok", "ok"])
    }

    @Test func xforward() {
        var allowed = ServerSession(policy: .init(xforwardAllowed: true))
        #expect(dialogue(&allowed, ["XFORWARD NAME=x", "EHLO c", "XFORWARD NAME=x IDENT=Q1", "MAIL FROM:<a@b.example>", "XFORWARD ADDR=1.2.3.4"])
            == ["503 5.5.1", "ok", "ok", "ok", "503 5.5.1"])
        var denied = ServerSession()
        #expect(dialogue(&denied, ["EHLO c", "XFORWARD NAME=x"]) == ["ok", "550 5.7.0"])
    }

    @Test func duringDataNothingIsAllowed() {
        var s = ServerSession()
        _ = dialogue(&s, ["EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"])
        s.didStartData()
        #expect(s.state == .data)
        #expect(s.check(.noop)?.code == 503)
        s.didFinishData()
        #expect(s.state == .greeted && s.recipientCount == 0 && s.mailFrom == nil)
    }

    @Test func resetBeforeGreetingStaysConnected() {
        var s = ServerSession()
        #expect(dialogue(&s, ["RSET", "NOOP", "VRFY x", "HELP"]) == ["ok", "ok", "ok", "ok"])
        #expect(s.state == .connected)
    }

    @Test func ehloReplyFollowsState() {
        var s = ServerSession(policy: .init(maxMessageSize: 2048, starttlsOffered: true, authOffered: true, xforwardAllowed: true))
        #expect(s.ehloReply(hostname: "g").lines == ["g", "PIPELINING", "SIZE 2048", "STARTTLS", "ENHANCEDSTATUSCODES",
                                                      "8BITMIME", "DSN", "SMTPUTF8", "XFORWARD NAME ADDR PROTO HELO IDENT SOURCE PORT LOGIN"])
        _ = dialogue(&s, ["EHLO c", "STARTTLS"])
        let lines = s.ehloReply(hostname: "g").lines
        #expect(!lines.contains("STARTTLS") && lines.contains("AUTH PLAIN LOGIN"))
    }
}

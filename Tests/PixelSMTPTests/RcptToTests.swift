// RcptToTests: DSN parameters reach upstream only when it advertised DSN.
import Testing
@testable import PixelSMTP

@Suite struct RcptToTests {
    @Test func dsnParameters() {
        let r = RcptTo(address: "b@c.example", notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;b@c.example")
        var p = PeerCapabilities()
        #expect(r.parameterString(for: p) == "")
        #expect(r.commandLine(for: p) == "RCPT TO:<b@c.example>")
        p.dsn = true
        #expect(r.commandLine(for: p) == "RCPT TO:<b@c.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@c.example")
    }

    @Test func parsedValuesSurviveTheRoundTrip() {
        guard case .rcpt(let r) = parsed("RCPT TO:<x@y.example> ORCPT=rfc822;x+2By@y.example NOTIFY=delay") else {
            Issue.record("must parse")
            return
        }
        var p = PeerCapabilities()
        p.dsn = true
        #expect(r.parameterString(for: p) == "NOTIFY=DELAY ORCPT=rfc822;x+2By@y.example")
        #expect(SMTPCommandParser.parse(bytes(r.commandLine(for: p))) == .success(.rcpt(r)))
    }

    @Test func utf8Flag() {
        #expect(RcptTo(address: "ü@b.c").requiresSMTPUTF8)
        #expect(!RcptTo(address: "postmaster").requiresSMTPUTF8)
    }
}

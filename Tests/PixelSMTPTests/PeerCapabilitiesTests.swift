// PeerCapabilitiesTests: parsing upstream EHLO replies, including old AUTH= syntax, SIZE forms,
// XFORWARD attributes and case-insensitivity.
import Testing
@testable import PixelSMTP

@Suite struct PeerCapabilitiesTests {
    @Test func postfixLikeEHLO() {
        let reply = SMTPReply(code: 250, enhanced: nil, lines: [
            "mx.example.org", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN",
            "AUTH=PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING",
            "XFORWARD NAME ADDR PROTO HELO IDENT",
        ])
        let c = PeerCapabilities(ehlo: reply)
        #expect(c.greetingDomain == "mx.example.org")
        #expect(c.pipelining && c.starttls && c.eightBitMIME && c.dsn && c.smtputf8 && c.enhancedStatusCodes && c.chunking)
        #expect(!c.binaryMIME)
        #expect(c.size == 10_240_000)
        #expect(c.auth == ["PLAIN", "LOGIN"])
        #expect(c.xforward == ["NAME", "ADDR", "PROTO", "HELO", "IDENT"])
        #expect(c.keywords["ETRN"] == [])
        #expect(c.accepts(size: 10_240_000) && !c.accepts(size: 10_240_001))
    }

    @Test func minimalAndOddForms() {
        let c = PeerCapabilities(ehlo: SMTPReply(code: 250, enhanced: nil, lines: ["host", "size", "auth=cram-md5 plain", "starttls"]))
        #expect(c.size == 0)
        #expect(c.accepts(size: Int.max))
        #expect(c.auth == ["CRAM-MD5", "PLAIN"])
        #expect(c.starttls)
        let bad = PeerCapabilities(ehlo: SMTPReply(code: 250, enhanced: nil, lines: ["host", "SIZE lots"]))
        #expect(bad.size == 0)
    }

    @Test func noExtensions() {
        #expect(PeerCapabilities(ehlo: SMTPReply(502, "5.5.1", "no EHLO here")) == PeerCapabilities())
        let helo = PeerCapabilities(ehlo: SMTPReply(250, nil, "mx.example"))
        #expect(helo.greetingDomain == "mx.example" && !helo.pipelining && helo.size == nil && helo.auth.isEmpty)
    }

    @Test func roundTripWithOurOwnEHLO() {
        var caps = ServerCapabilities(maxMessageSize: 5000, starttlsOffered: true, tlsActive: true, authOffered: true, xforwardAllowed: true)
        caps.authMechanisms = ["PLAIN"]
        let peer = PeerCapabilities.parse(ehloLines(hostname: "gate.example", capabilities: caps))
        #expect(peer.size == 5000 && peer.pipelining && peer.dsn && peer.smtputf8 && peer.eightBitMIME)
        #expect(!peer.starttls, "STARTTLS is not offered again once TLS is active")
        #expect(peer.auth == ["PLAIN"])
        #expect(peer.xforward == ServerCapabilities.xforwardAttributes)
    }
}

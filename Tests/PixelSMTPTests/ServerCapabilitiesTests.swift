// ServerCapabilitiesTests: what the EHLO reply advertises in each situation.
import Testing
@testable import PixelSMTP

@Suite struct ServerCapabilitiesTests {
    @Test func plaintextWithTLSOffered() {
        let r = ehloLines(hostname: "gate.example", capabilities: ServerCapabilities(maxMessageSize: 1000, starttlsOffered: true, authOffered: true))
        #expect(r.code == 250 && r.enhanced == nil)
        #expect(r.lines == ["gate.example", "PIPELINING", "SIZE 1000", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"])
    }

    @Test func afterTLSAuthAppears() {
        let r = ehloLines(hostname: "g", capabilities: ServerCapabilities(maxMessageSize: 0, starttlsOffered: true, tlsActive: true, authOffered: true))
        #expect(r.lines.contains("AUTH PLAIN LOGIN"))
        #expect(!r.lines.contains("STARTTLS"))
        #expect(r.lines.contains("SIZE"))
    }

    @Test func authWithoutTLSOnlyWhenConfigured() {
        var c = ServerCapabilities(maxMessageSize: 10, authOffered: true)
        #expect(!c.keywordLines.contains { $0.hasPrefix("AUTH") })
        c.authWithoutTLS = true
        #expect(c.keywordLines.contains("AUTH PLAIN LOGIN"))
    }

    @Test func xforwardOnlyForAllowedClients() {
        #expect(!ServerCapabilities(maxMessageSize: 1).keywordLines.contains { $0.hasPrefix("XFORWARD") })
        let lines = ServerCapabilities(maxMessageSize: 1, xforwardAllowed: true).keywordLines
        #expect(lines.contains("XFORWARD NAME ADDR PROTO HELO IDENT SOURCE PORT LOGIN"))
    }

    @Test func wireForm() {
        let wire = SMTPReply.ehlo(hostname: "h", capabilities: ServerCapabilities(maxMessageSize: 5)).encoded()
        #expect(String(decoding: wire, as: UTF8.self).hasPrefix("250-h\r\n250-PIPELINING\r\n250-SIZE 5\r\n"))
        #expect(String(decoding: wire, as: UTF8.self).hasSuffix("250 SMTPUTF8\r\n"))
    }
}

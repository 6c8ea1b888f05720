// MailFromTests: re-emitting MAIL parameters only as far as the upstream peer advertised them.
import Testing
@testable import PixelSMTP

@Suite struct MailFromTests {
    static let full = MailFrom(address: "a@b.example", size: 1234, body: .eightBitMIME, smtputf8: true,
                               ret: "HDRS", envid: "ID+2B1", auth: "a+40b.example")

    @Test func everythingToAFullPeer() {
        var peer = PeerCapabilities()
        peer.size = 0
        peer.eightBitMIME = true
        peer.smtputf8 = true
        peer.dsn = true
        #expect(Self.full.parameterString(for: peer) == "SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=ID+2B1")
        #expect(Self.full.commandLine(for: peer) == "MAIL FROM:<a@b.example> SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=ID+2B1")
    }

    @Test func nothingToAPlainPeer() {
        #expect(Self.full.parameterString(for: PeerCapabilities()) == "")
        #expect(MailFrom(address: "").commandLine(for: PeerCapabilities()) == "MAIL FROM:<>")
    }

    @Test func eachExtensionIndependently() {
        var p = PeerCapabilities()
        p.dsn = true
        #expect(Self.full.parameterString(for: p) == "RET=HDRS ENVID=ID+2B1")
        p = PeerCapabilities()
        p.size = 100
        #expect(Self.full.parameterString(for: p) == "SIZE=1234")
        p = PeerCapabilities()
        p.eightBitMIME = true
        #expect(Self.full.parameterString(for: p) == "BODY=8BITMIME")
    }

    @Test func binaryMIMEOnlyWithBinaryMIMEAndChunking() {
        let m = MailFrom(address: "a@b.c", body: .binaryMIME)
        var p = PeerCapabilities()
        p.eightBitMIME = true
        #expect(m.parameterString(for: p) == "")
        p.binaryMIME = true
        p.chunking = true
        #expect(m.parameterString(for: p) == "BODY=BINARYMIME")
    }

    @Test func flags() {
        #expect(MailFrom(address: "").isNullSender)
        #expect(MailFrom(address: "ü@b.c").requiresSMTPUTF8)
        #expect(!MailFrom(address: "u@b.c").requiresSMTPUTF8)
    }
}

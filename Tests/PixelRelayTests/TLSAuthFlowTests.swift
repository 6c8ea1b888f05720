// STARTTLS and AUTH on both sides: a client -> relay A -> (STARTTLS, verify, AUTH) -> relay B -> fake upstream.
import Foundation
import Testing
import PixelNet
import PixelSMTP
@testable import PixelRelay

@Suite(.serialized) struct TLSAuthFlowTests {
    init() { _ = RelayTestSupport.ignoreSigpipe }

    static func makeCert() throws -> (cert: String, key: String, dir: String) {
        let dir = NSTemporaryDirectory() + "relaytls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", dir + "/key.pem",
                       "-out", dir + "/cert.pem", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (dir + "/cert.pem", dir + "/key.pem", dir)
    }

    static func cryptHash(_ password: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["passwd", "-6", password]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func tlsAndAuthOnBothSides() throws {
        let (cert, key, _) = try Self.makeCert()
        let hash = try Self.cryptHash("s3cret")
        let fake = try FakeUpstreamServer()
        defer { fake.stop() }
        // Relay B: TLS + AUTH required for a client outside allow_networks.
        var b = RelayTestSupport.settings(upstreamPort: fake.port)
        b.allowNetworks = IPNetworkList([IPNetwork("10.0.0.0/8")!])
        b.tlsContext = try TLSContext.server(certFile: cert, keyFile: key)
        b.tlsPolicy = .encrypt
        b.credentials = try InboundCredentials.parse("# users\nrelay:\(hash)\n", file: "users")
        let relayB = try RelayTestSupport.server(b)
        // Relay A: upstream is B with STARTTLS verified against the cert, and AUTH.
        var a = RelayTestSupport.settings(upstreamPort: nil)
        a.upstream.target = .hosts([("localhost", relayB.addresses[0].port)])
        a.upstream.tlsPolicy = .verify
        a.upstream.tlsContext = try TLSContext.client(verify: true, caFile: cert)
        a.upstream.credentials = UpstreamCredentials(user: "relay", password: "s3cret")
        let relayA = try RelayTestSupport.server(a)

        let c = try TestClient(port: relayA.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO client").code == 250)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<b@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send("Subject: tls\r\n\r\nsecret body\r\n.\r\n")
        #expect(try c.read().code == 250)
        let txs = fake.transactions
        #expect(txs.count == 1)
        let body = String(decoding: txs.first?.body ?? [], as: UTF8.self)
        #expect(body.contains("with ESMTPSA id"))   // B saw TLS + AUTH from A
        #expect(body.contains("with ESMTP id"))     // A's own hop
        #expect(body.hasSuffix("Subject: tls\r\n\r\nsecret body\r\n"))
    }

    @Test func upstreamVerifyFailsOnHostnameMismatch() throws {
        let (cert, key, _) = try Self.makeCert()
        let fake = try FakeUpstreamServer()
        defer { fake.stop() }
        var b = RelayTestSupport.settings(upstreamPort: fake.port)
        b.tlsContext = try TLSContext.server(certFile: cert, keyFile: key)
        let relayB = try RelayTestSupport.server(b)
        var a = RelayTestSupport.settings(upstreamPort: nil)
        a.upstream.target = .hosts([("127.0.0.1", relayB.addresses[0].port)])  // cert says localhost
        a.upstream.tlsPolicy = .verify
        a.upstream.tlsContext = try TLSContext.client(verify: true, caFile: cert)
        let relayA = try RelayTestSupport.server(a)
        let c = try TestClient(port: relayA.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO client").code == 250)
        let r = try c.cmd("MAIL FROM:<a@example.org>")
        #expect(r.code == 451)
        #expect(fake.transactions.isEmpty)
    }

    @Test func inboundEncryptPolicyRequiresStartTLSAndBadPasswordFails() throws {
        let (cert, key, _) = try Self.makeCert()
        let hash = try Self.cryptHash("right")
        let fake = try FakeUpstreamServer()
        defer { fake.stop() }
        var s = RelayTestSupport.settings(upstreamPort: fake.port)
        s.tlsContext = try TLSContext.server(certFile: cert, keyFile: key)
        s.tlsPolicy = .encrypt
        s.allowNetworks = IPNetworkList([IPNetwork("10.0.0.0/8")!])
        s.credentials = InboundCredentials(entries: ["u": hash])
        let server = try RelayTestSupport.server(s)
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO client").lines.contains("STARTTLS"))
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 530)
        // Pipelined junk after STARTTLS must be discarded, not executed after the handshake.
        try c.send("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n")
        #expect(try c.read().code == 220)
        c.stream = try TLSStream.connect(over: c.tcp, context: TLSContext.client(verify: false), serverName: "localhost", deadline: .after(seconds: 5))
        c.parser = ReplyParser()
        let ehlo = try c.cmd("EHLO client")
        #expect(ehlo.lines.contains { $0.hasPrefix("AUTH") && $0.contains("PLAIN") && $0.contains("LOGIN") })
        let plainWrong = Data("\u{0}u\u{0}wrong".utf8).base64EncodedString()
        #expect(try c.cmd("AUTH PLAIN \(plainWrong)").code == 535)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 554)
        #expect(try c.cmd("AUTH LOGIN").code == 334)
        #expect(try c.cmd(Data("u".utf8).base64EncodedString()).code == 334)
        #expect(try c.cmd(Data("right".utf8).base64EncodedString()).code == 235)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
    }
}

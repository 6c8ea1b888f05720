// TLSTests: with tls_cert/tls_key the listener speaks HTTPS (PixelNet TLSStream, a self-signed
// certificate made with the openssl CLI); a missing certificate file makes start() fail clearly.
import Foundation
import Logging
import PixelNet
import PixelPolicy
import PixelStore
import Testing
@testable import PixelWeb

@Suite struct TLSTests {
    static let ignoreSigpipe: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func selfSigned() throws -> (cert: String, key: String) {
        let dir = NSTemporaryDirectory() + "pixelweb-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", dir + "/key.pem",
                       "-out", dir + "/cert.pem", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NetError.config("openssl req failed") }
        return (dir + "/cert.pem", dir + "/key.pem")
    }

    @Test func servesHTTPSWithTheConfiguredCertificate() throws {
        _ = Self.ignoreSigpipe
        let (cert, key) = try Self.selfSigned()
        let f = try WebFixture { $0.tlsCert = cert; $0.tlsKey = key }
        let tcp = try f.connect()
        let tls = try TLSStream.connect(over: tcp, context: try TLSContext.client(verify: false), serverName: "localhost",
                                        deadline: .after(seconds: 5))
        defer { tls.close() }
        try tls.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 5))
        let r = try #require(try WebFixture.readReply(tls, timeout: 5))
        #expect(r.status == 200)
        #expect(r.text == "ok\n")
        #expect(r.header("x-content-type-options") == "nosniff")
        // Plain HTTP on the TLS port gets no page.
        #expect((try? f.raw(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), timeout: 3))?.status != 200)
    }

    static func httpsHealth(_ f: WebFixture) throws -> Int? {
        let tls = try TLSStream.connect(over: try f.connect(), context: try TLSContext.client(verify: false), serverName: "localhost",
                                        deadline: .after(seconds: 5))
        defer { tls.close() }
        try tls.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 5))
        return try WebFixture.readReply(tls, timeout: 5)?.status
    }

    /// SIGHUP with renewed certificate files: read again; missing files fail the reload; emptying
    /// the settings cannot turn TLS off before a restart (the files in force are kept).
    @Test func reloadReadsRenewedCertificateAndKeepsTLSOn() throws {
        _ = Self.ignoreSigpipe
        let (cert, key) = try Self.selfSigned()
        let f = try WebFixture { $0.tlsCert = cert; $0.tlsKey = key }
        let (cert2, key2) = try Self.selfSigned()
        var s = f.server.settings
        s.tlsCert = cert2
        s.tlsKey = key2
        f.server.apply(try f.server.prepareReload(settings: s, keyring: f.keyring))
        #expect(try Self.httpsHealth(f) == 200)
        s.tlsCert = cert2 + ".missing"
        #expect(throws: WebError.self) { try f.server.prepareReload(settings: s, keyring: f.keyring) }
        s.tlsCert = ""
        s.tlsKey = ""
        let off = try f.server.prepareReload(settings: s, keyring: f.keyring)
        #expect(off.needsRestart == ["http.tls_cert/tls_key (TLS on or off)"])
        f.server.apply(off)
        #expect(try Self.httpsHealth(f) == 200, "still HTTPS until a restart")
        #expect(f.server.settings.tlsCert == cert2)
    }

    @Test func missingCertificateIsAStartError() throws {
        let dir = NSTemporaryDirectory() + "pixelweb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try SQLiteConsentStore(path: dir + "/c.sqlite", options: StoreOptions())
        defer { store.close() }
        var s = WebSettings()
        s.port = 0
        s.tlsCert = dir + "/nope.pem"
        s.tlsKey = dir + "/nope.key"
        let server = WebServer(settings: s, store: store, keyring: try TokenKeyring(current: TokenKey(id: 1, bytes: Array(repeating: 1, count: 32))),
                               hooks: WebHooks(), logger: Logger(label: "t"))
        #expect(throws: WebError.self) { try server.start() }
        s.tlsCert = ""
        s.tlsKey = ""
        s.trustedProxies = ["not-a-cidr"]
        let bad = WebServer(settings: s, store: store, keyring: try TokenKeyring(current: TokenKey(id: 1, bytes: Array(repeating: 1, count: 32))),
                            hooks: WebHooks(), logger: Logger(label: "t"))
        #expect(throws: WebError.self) { try bad.start() }
    }
}

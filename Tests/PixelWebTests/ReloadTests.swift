// ReloadTests: WebServer.prepareReload/apply (SIGHUP) on a running server over a real socket: a new
// token keyring opens the links the relay now seals while the older key still opens old links, API
// tokens are swapped, a bad setting fails the reload and changes nothing, and settings only a
// restart can change are named and keep their startup values.
import Foundation
import PixelPolicy
import Testing
@testable import PixelWeb

@Suite struct ReloadTests {
    static func payload(_ kind: TokenKind) -> TokenPayload {
        TokenPayload(kind: kind, recipient: "bob@example.org", purposes: [.openMeasurement], url: "https://t.example.net/open?id=1",
                     campaign: "spring", issuedAt: Int64(Date().timeIntervalSince1970))
    }

    @Test func newKeyringAndAPITokensServeTheNextRequest() throws {
        let f = try WebFixture()
        try f.grant([.openMeasurement])
        let oldKey = try TokenKey(id: 1, bytes: Array(repeating: 7, count: 32))
        let newKey = try TokenKey(id: 2, bytes: Array(repeating: 9, count: 32))
        let rotated = try TokenKeyring(current: newKey, older: [oldKey])
        let oldLink = f.token(.gate)
        let newLink = rotated.seal(Self.payload(.gate))
        #expect(try f.get("/o/\(newLink)").status == 200, "before the reload the new key is unknown: GIF")
        #expect(try f.get("/o/\(oldLink)").status == 302)

        var s = f.server.settings
        s.apiTokens = ["rotated-api-token-0123456789"]
        let reload = try f.server.prepareReload(settings: s, keyring: rotated)
        #expect(reload.needsRestart.isEmpty)
        #expect(try f.get("/o/\(newLink)").status == 200, "prepare changes nothing")
        f.server.apply(reload)

        #expect(try f.get("/o/\(newLink)").status == 302)
        #expect(try f.get("/o/\(oldLink)").status == 302, "the older key still opens links already sent")
        #expect(try f.api("GET", "/api/v1/consents/bob%40example.org").status == 401)
        #expect(try f.api("GET", "/api/v1/consents/bob%40example.org", token: "rotated-api-token-0123456789").status == 200)
    }

    @Test func badSettingFailsTheReloadAndKeepsTheOldOnes() throws {
        let f = try WebFixture()
        var s = f.server.settings
        s.trustedProxies = ["not-a-network"]
        s.apiTokens = ["would-be-new-token-0123456789"]
        #expect(throws: WebError.self) { try f.server.prepareReload(settings: s, keyring: f.keyring) }
        #expect(try f.api("GET", "/api/v1/consents/bob%40example.org").status == 200)
        #expect(f.server.settings.apiTokens == [WebFixture.apiToken])
    }

    @Test func restartOnlySettingsAreNamedAndKept() throws {
        let f = try WebFixture()
        var s = f.server.settings
        s.port = 1
        s.maxConnections = 3
        s.limits.maxBody = 10
        s.formRateLimit = 5
        let reload = try f.server.prepareReload(settings: s, keyring: f.keyring)
        #expect(reload.needsRestart == ["http.listen", "http.max_connections", "http request limits"])
        f.server.apply(reload)
        #expect(f.server.settings.port == 0)
        #expect(f.server.settings.maxConnections == WebSettings().maxConnections)
        #expect(f.server.settings.limits.maxBody == WebSettings().limits.maxBody)
        #expect(f.server.settings.formRateLimit == 5)
        #expect(try f.get("/healthz").status == 200)
    }
}

// GateTests: GET /o/{token} over a real socket: 302 while consent covers the token's purposes, the
// 43-byte GIF once withdrawn, the GIF for forged, altered, expired and wrong-kind tokens; no-store.
import Foundation
import PixelPolicy
import Testing
@testable import PixelWeb

@Suite struct GateTests {
    @Test func redirectsWhileGrantedThenGIFAfterWithdrawal() throws {
        let f = try WebFixture()
        let t = f.token(.gate)
        var r = try f.get("/o/\(t)")
        #expect(r.status == 200)
        #expect(r.header("content-type") == "image/gif")
        #expect(r.body.count == 43)
        #expect(Array(r.body.prefix(6)) == Array("GIF89a".utf8))
        try f.grant([.openMeasurement])
        r = try f.get("/o/\(t)")
        #expect(r.status == 302)
        #expect(r.header("location") == "https://t.example.net/open?id=1")
        #expect(r.header("cache-control") == "no-store")
        try f.grant([.openMeasurement], action: .withdraw)
        r = try f.get("/o/\(t)")
        #expect(r.status == 200)
        #expect(r.body == GateHandler.gif)
        #expect(r.header("cache-control") == "no-store")
        #expect(f.gates.count(.redirect) == 1)
        #expect(f.gates.count(.gif) == 2)
    }

    @Test func everyPurposeOfTheTokenMustBeCovered() throws {
        let f = try WebFixture()
        let t = f.token(.gate, purposes: [.openMeasurement, .personalization])
        try f.grant([.openMeasurement])
        #expect(try f.get("/o/\(t)").status == 200)
        try f.grant([.personalization])
        #expect(try f.get("/o/\(t)").status == 302)
        // Exempt purposes need no consent.
        let exempt = f.token(.gate, "nobody@example.org", purposes: [.anonymousStatistics])
        #expect(try f.get("/o/\(exempt)").status == 302)
    }

    @Test func forgedAlteredExpiredAndWrongKindTokensGetTheGIF() throws {
        let f = try WebFixture()
        try f.grant([.openMeasurement])
        let good = f.token(.gate)
        #expect(try f.get("/o/\(good)").status == 302)
        var altered = Array(good)
        let i = altered.count / 2
        altered[i] = altered[i] == "A" ? "B" : "A"
        let expired = f.token(.gate, issuedAt: Int64(Date().timeIntervalSince1970) - 401 * 86400)
        let other = try TokenKeyring(current: TokenKey(id: 1, bytes: Array(repeating: 9, count: 32)))
        let forged = other.seal(TokenPayload(kind: .gate, recipient: "bob@example.org", purposes: [.openMeasurement],
                                             url: "https://evil.example/", issuedAt: Int64(Date().timeIntervalSince1970)))
        for bad in [String(altered), expired, forged, f.token(.withdraw), f.token(.preferences), "not-a-token", "%00%ff"] {
            let r = try f.get("/o/\(bad)")
            #expect(r.status == 200, "token \(bad)")
            #expect(r.header("content-type") == "image/gif")
            #expect(r.header("location") == nil)
        }
        #expect(f.gates.count(.invalid) == 7)
        #expect(try f.history().count == 1)
    }

    @Test func gateNeverRedirectsToANonWebURL() throws {
        let f = try WebFixture()
        try f.grant([.openMeasurement])
        let t = f.token(.gate, url: "javascript:alert(1)")
        let r = try f.get("/o/\(t)")
        #expect(r.status == 200)
        #expect(r.header("location") == nil)
    }

    @Test func tokenCacheKeepsPayloadsOnlyAndStaysBounded() throws {
        let ring = try TokenKeyring(current: TokenKey(id: 2, bytes: Array(repeating: 4, count: 32)))
        let cache = TokenCache(capacity: 2)
        let now = Int64(Date().timeIntervalSince1970)
        let tokens = (0..<5).map { ring.seal(TokenPayload(kind: .preferences, recipient: "r\($0)@example.org", purposes: [], issuedAt: now)) }
        for (i, t) in tokens.enumerated() {
            #expect(cache.open(t, with: ring)?.recipient == "r\(i)@example.org")
            #expect(cache.open(t, with: ring)?.recipient == "r\(i)@example.org")
        }
        #expect(cache.open("garbage", with: ring) == nil)
        // A token sealed under another key is not in the cache and the keyring refuses it.
        let other = try TokenKeyring(current: TokenKey(id: 2, bytes: Array(repeating: 6, count: 32)))
        let foreign = other.seal(TokenPayload(kind: .preferences, recipient: "x@example.org", purposes: [], issuedAt: now))
        #expect(cache.open(foreign, with: ring) == nil)
        #expect(TokenCache(capacity: 0).open(tokens[0], with: ring)?.recipient == "r0@example.org")
    }
}

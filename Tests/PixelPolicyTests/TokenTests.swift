// Tests for TokenKeyring, TokenPayload and TokenKeySource: round trip, tampering, key ids, rotation.
import Foundation
import Testing
import PixelCrypto
@testable import PixelPolicy

@Suite struct TokenTests {
    static func key(_ id: UInt8, _ fill: UInt8) throws -> TokenKey { try TokenKey(id: id, bytes: [UInt8](repeating: fill, count: 32)) }

    let payload = TokenPayload(kind: .gate, recipient: "Ana@Example.org", purposes: [.openMeasurement, .personalization],
                               url: "https://t.example/o/abc?x=1&y=2", campaign: "spring", issuedAt: 1_780_000_000)

    @Test func roundTrip() throws {
        let ring = try TokenKeyring(current: Self.key(1, 0xAA))
        let tok = ring.seal(payload)
        #expect(tok.utf8.allSatisfy { $0 == 45 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        #expect(ring.open(tok) == payload)
        // Random nonces: two seals differ but both open.
        let tok2 = ring.seal(payload)
        #expect(tok != tok2)
        #expect(ring.open(tok2) == payload)
    }

    @Test func tamperedTokensAreRejected() throws {
        let ring = try TokenKeyring(current: Self.key(1, 0xAA))
        let tok = ring.seal(payload)
        var raw = Base64URL.decode(tok)!
        for i in [1, 5, 13, raw.count / 2, raw.count - 1] {
            var t = raw
            t[i] ^= 0x01
            #expect(ring.open(Base64URL.encode(t)) == nil)
        }
        raw.removeLast()
        #expect(ring.open(Base64URL.encode(raw)) == nil)
        #expect(ring.open("") == nil)
        #expect(ring.open("not a token!") == nil)
        #expect(ring.open(String(repeating: "A", count: 20000)) == nil)
    }

    @Test func wrongKeyIDOrKeyIsRejected() throws {
        let a = try TokenKeyring(current: Self.key(1, 0xAA))
        let b = try TokenKeyring(current: Self.key(2, 0xAA))
        let c = try TokenKeyring(current: Self.key(1, 0xBB))
        let tok = a.seal(payload)
        #expect(b.open(tok) == nil)
        #expect(c.open(tok) == nil)
        // Relabelling the key id byte breaks the associated data.
        var raw = Base64URL.decode(tok)!
        raw[0] = 2
        let both = try TokenKeyring(current: Self.key(2, 0xAA), older: [Self.key(1, 0xAA)])
        #expect(both.open(Base64URL.encode(raw)) == nil)
    }

    @Test func rotationKeepsOldTokensReadable() throws {
        let old = try TokenKeyring(current: Self.key(1, 0x11))
        let tok = old.seal(payload)
        let rotated = try TokenKeyring(current: Self.key(2, 0x22), older: [Self.key(1, 0x11)])
        #expect(rotated.open(tok) == payload)
        let fresh = rotated.seal(payload)
        #expect(Base64URL.decode(fresh)![0] == 2)
        #expect(old.open(fresh) == nil)
    }

    @Test func fixedNonceIsDeterministic() throws {
        let ring = try TokenKeyring(current: Self.key(3, 0x33), nonceSource: { [UInt8](repeating: 7, count: 12) })
        #expect(ring.seal(payload) == ring.seal(payload))
    }

    @Test func gatePayloadNeedsURL() {
        let bad = TokenPayload(kind: .gate, recipient: "a@b", purposes: [], issuedAt: 1)
        #expect(TokenPayload.decode(bad.encoded()) == nil)
        let w = TokenPayload(kind: .withdraw, recipient: "a@b", purposes: [.fraudDetection], issuedAt: 1)
        #expect(TokenPayload.decode(w.encoded()) == w)
    }

    @Test func keySourceGeneratesOnceWith0600() throws {
        let dir = NSTemporaryDirectory() + "pg-tok-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r1 = try TokenKeySource.keyring(inlineKey: nil, keyFile: nil, keyID: 1, stateDir: dir)
        let path = dir + "/token.key"
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let r2 = try TokenKeySource.keyring(inlineKey: nil, keyFile: nil, keyID: 1, stateDir: dir)
        #expect(r2.open(r1.seal(payload)) == payload)
    }

    @Test func keySourceParsesRotationFileAndInlineKeys() throws {
        let hex1 = String(repeating: "ab", count: 32)
        let b64 = Data([UInt8](repeating: 0x5c, count: 32)).base64EncodedString()
        let keys = try TokenKeySource.parse("# comment\n1:\(hex1)\n 2 : \(b64) # new\n", defaultID: 2, path: "k")
        #expect(keys.map(\.id) == [1, 2])
        #expect(keys[1].bytes == [UInt8](repeating: 0x5c, count: 32))
        #expect(throws: PolicyError.self) { try TokenKeySource.parse("1:abcd\n", defaultID: 1, path: "k") }
        #expect(throws: PolicyError.self) { try TokenKeySource.parse("1:\(hex1)\n1:\(hex1)\n", defaultID: 1, path: "k") }
        let inline = try TokenKeySource.keyring(inlineKey: hex1, keyFile: nil, keyID: 9, stateDir: "/nonexistent")
        #expect(inline.current.id == 9)
        #expect(throws: PolicyError.self) { try TokenKeySource.keyring(inlineKey: "short", keyFile: nil, keyID: 1, stateDir: "/nonexistent") }
    }
}

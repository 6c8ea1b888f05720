// Key loading: good keys load; missing, wrong-type and short keys are refused naming the file.
import Foundation
import Testing
import PixelDKIM

@Suite struct KeyTests {
    @Test func missingFileIsRefused() {
        #expect(throws: DKIMKeyError.unreadable(path: "/nonexistent/k.pem", reason: "no such file")) {
            try SigningKey(path: "/nonexistent/k.pem", algorithm: .rsaSHA256)
        }
    }

    @Test func notAKeyIsRefused() throws {
        let dir = TempKeys.dir()
        let p = dir + "/junk.pem"
        try "hello\n".write(toFile: p, atomically: true, encoding: .utf8)
        #expect(throws: DKIMKeyError.notAPrivateKey(path: p)) { try SigningKey(path: p, algorithm: .rsaSHA256) }
    }

    @Test func ecKeyIsWrongType() {
        let p = TempKeys.ecP256(in: TempKeys.dir())
        #expect(throws: DKIMKeyError.wrongType(path: p, found: "EC", expected: "RSA")) { try SigningKey(path: p, algorithm: .rsaSHA256) }
        #expect(throws: DKIMKeyError.wrongType(path: p, found: "EC", expected: "ED25519")) { try SigningKey(path: p, algorithm: .ed25519SHA256) }
    }

    @Test func algorithmMustMatchKey() {
        let p = TempKeys.ed25519(in: TempKeys.dir())
        #expect(throws: DKIMKeyError.self) { try SigningKey(path: p, algorithm: .rsaSHA256) }
    }

    @Test func shortRSAIsRefused() {
        let p = TempKeys.rsa(512, in: TempKeys.dir())
        #expect(throws: DKIMKeyError.tooShort(path: p, bits: 512, minimum: 1024)) { try SigningKey(path: p, algorithm: .rsaSHA256) }
        let e = DKIMKeyError.tooShort(path: p, bits: 512, minimum: 1024)
        #expect(e.description.contains(p) && e.description.contains("512"))
    }

    @Test func rsa2048Loads() throws {
        let key = try SigningKey(path: TempKeys.rsa(2048, in: TempKeys.dir()), algorithm: .rsaSHA256)
        #expect(key.bits == 2048)
        #expect(try key.publicKeyBytes().count > 256)
    }
}

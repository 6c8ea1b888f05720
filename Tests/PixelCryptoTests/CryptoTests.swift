import Foundation
import Testing
import PixelCrypto
import PixelLog
import Logging

@Suite struct CryptoTests {
    @Test func sha256KnownVector() {
        #expect(Digest.hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hex(Digest.hash(.md5, Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.hex(Digest.hash(.sha1, Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func streamMatchesOneShot() {
        var s = SHA256Stream()
        s.update(Array("a".utf8)); s.update(Array("bc".utf8))
        #expect(s.finish() == Digest.sha256(Array("abc".utf8)))
    }

    @Test func aeadRoundTripAndTamper() throws {
        let key = SecureRandom.bytes(32)
        let box = try AES256GCM(key: key)
        let sealed = try box.seal(Array("hello".utf8), associatedData: [1])
        #expect(box.open(sealed, associatedData: [1]) == Array("hello".utf8))
        #expect(box.open(sealed, associatedData: [2]) == nil)
        var bad = sealed; bad[bad.count / 2] ^= 1
        #expect(box.open(bad, associatedData: [1]) == nil)
        #expect(box.open(Array(sealed.prefix(10))) == nil)
    }

    @Test func passwordHash() {
        // openssl passwd -6 -salt saltsalt secret
        let h = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"
        #expect(PasswordHash.verify(password: "secret", hash: h))
        #expect(!PasswordHash.verify(password: "wrong", hash: h))
        #expect(!PasswordHash.verify(password: "secret", hash: "plain"))
    }

    @Test func base64url() {
        let b: [UInt8] = [0xfb, 0xff, 0x00, 0x10]
        #expect(Base64URL.decode(Base64URL.encode(b)) == b)
        #expect(Base64URL.decode("a+b") == nil)
    }

    /// The table codec agrees with Foundation's base64 (alphabet mapped, padding dropped) on every
    /// length 0...64, and refuses padding, foreign bytes, impossible lengths and non-zero trailing bits.
    @Test func base64urlAgreesWithFoundation() {
        var g = SystemRandomNumberGenerator()
        for n in 0...64 {
            let b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            let reference = Data(b).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(b) == reference)
            #expect(Base64URL.decode(reference) == b)
        }
        for bad in ["QQ==", "QQ=", "Q", "QUJD RA", "QUJD\n", "QR", "QUJ", "é123"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
        #expect(Base64URL.decode("QUJ") == nil) // the trailing bits of 'J' are not zero
    }

    @Test func logfmtOrderAndQuoting() {
        let line = LogfmtHandler.format(event: "rcpt", level: .info, metadata: ["zeta": "a b", "queue_id": "ABC", "session": "s1", "alpha": "x"])
        #expect(line == "event=rcpt session=s1 queue_id=ABC level=info alpha=x zeta=\"a b\"\n")
        #expect(AddressLogMode.domain.render("Jane@Example.org") == "@example.org")
        #expect(AddressLogMode.hash.render("a@b").hasPrefix("h:"))
    }
}

@Suite struct HexTests {
    @Test func everyByteValueAndEveryLength() {
        let all = (0...255).map { UInt8($0) }
        #expect(Digest.hex(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Digest.hex([UInt8]()) == "")
        for n in 0..<70 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255) }
            let expected = bytes.map { String(format: "%02x", $0) }.joined()
            #expect(Digest.hex(bytes) == expected)
            #expect(Digest.hex(bytes[...]) == expected, "the generic overload gives the same text")
        }
    }
}

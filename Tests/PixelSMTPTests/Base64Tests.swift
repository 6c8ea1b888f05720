// Base64Tests: RFC 4648 test vectors, strict decoding, and round trips.
import Testing
@testable import PixelSMTP

@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(bytes(plain)) == encoded)
            #expect(Base64.decode(encoded) == bytes(plain))
        }
    }

    @Test func strictDecoding() {
        for bad in ["Zg=", "Zg", "Z===", "Zm9v\n", "Zm 9v", "Zg==Zg==", "=Zg=", "Zm9*"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }

    @Test func randomRoundTrip() {
        var rng = SplitMix64(seed: 64)
        for _ in 0..<300 {
            let data = (0..<Int.random(in: 0..<50, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
    }
}

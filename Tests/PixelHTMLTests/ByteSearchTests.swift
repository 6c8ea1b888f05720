// ASCII.bytesContain (memchr + memcmp), which the signature pre-check and the recipient-identifier
// search use, against the obvious nested loop on seeded random inputs over a small alphabet (so
// near-misses and overlapping prefixes are common), and the evidence that depends on it.
import Testing
@testable import PixelHTML

@Suite struct ByteSearchTests {
    static func naive(_ h: [UInt8], _ n: [UInt8]) -> Bool {
        if n.isEmpty { return true }
        guard n.count <= h.count else { return false }
        return (0...(h.count - n.count)).contains { i in Array(h[i..<(i + n.count)]) == n }
    }

    @Test func agreesWithNestedLoop() {
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        for _ in 0..<5000 {
            let hay = (0..<(next() % 40)).map { _ in UInt8(97 + next() % 3) }
            let needle = (0..<(next() % 6)).map { _ in UInt8(97 + next() % 3) }
            #expect(ASCII.bytesContain(hay, needle) == Self.naive(hay, needle), "\(hay) \(needle)")
        }
        #expect(ASCII.bytesContain(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ASCII.bytesContain(Array("ab".utf8), Array("abc".utf8)))
        #expect(ASCII.bytesContain([], []))
    }

    @Test func recipientFormsFoundThroughTheByteSearch() {
        let address = "Samir.Laurent@example.org"
        #expect(RecipientIdentifier.find(in: "https://t.example/o?e=SAMIR.LAURENT%40EXAMPLE.ORG", address: address) == "urlencoded")
        #expect(RecipientIdentifier.find(in: "https://t.example/o?e=samir.laurent@example.org", address: address) == "plain")
        let b64 = RecipientIdentifier.base64(Array(address.utf8))
        #expect(RecipientIdentifier.find(in: "https://t.example/o/" + b64, address: address) == "base64")
        #expect(RecipientIdentifier.find(in: "https://t.example/o/" + b64.lowercased(), address: address) == nil)
        #expect(RecipientIdentifier.find(in: "https://t.example/o?e=someone.else@example.org", address: address) == nil)
    }
}

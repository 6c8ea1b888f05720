// BodyHasher against a plain line-by-line reference of RFC 6376 §3.4.3/§3.4.4 on random bodies
// made of the bytes that matter (a, SP, TAB, CR, LF), split into random chunks.
import Testing
import PixelCrypto
import PixelDKIM

@Suite struct BodyHasherPropertyTests {
    /// The RFC rules written the obvious way: split into lines, fix each line, drop trailing empties.
    static func reference(_ body: [UInt8], _ c: Canonicalization) -> [UInt8] {
        var lines: [[UInt8]] = []
        var cur: [UInt8] = []
        for b in body {
            if b == 0x0A {
                if cur.last == 0x0D { cur.removeLast() }
                lines.append(cur)
                cur = []
            } else {
                cur.append(b)
            }
        }
        if !cur.isEmpty { lines.append(cur) }
        if c == .relaxed {
            lines = lines.map { line in
                var out: [UInt8] = []
                var wsp = false
                for b in line {
                    if b == 0x20 || b == 0x09 { wsp = true; continue }
                    if wsp { out.append(0x20); wsp = false }
                    out.append(b)
                }
                return out
            }
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        var out: [UInt8] = []
        for l in lines { out += l; out += [0x0D, 0x0A] }
        if c == .simple && out.isEmpty { out = [0x0D, 0x0A] }
        return out
    }

    @Test func randomBodiesMatchTheReference() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x61, 0x20, 0x09, 0x0D, 0x0A]
        for _ in 0..<2000 {
            let body = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            for c in Canonicalization.allCases {
                let h = BodyHasher(c)
                var i = 0
                while i < body.count {
                    let j = min(body.count, i + Int.random(in: 1...8, using: &rng))
                    h.update(Array(body[i..<j]))
                    i = j
                }
                let want = Self.reference(body, c)
                let got = h.finish()
                #expect(got == Digest.sha256(want), "\(c) \(body)")
                if got != Digest.sha256(want) { return }
            }
        }
    }

    /// Bodies larger than the 64 KB staging buffer, in uneven chunks, and l= across its edge.
    @Test func largeBodiesMatchTheReference() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x61, 0x62, 0x20, 0x09, 0x0D, 0x0A] + Array(repeating: 0x63, count: 10)
        let body = (0..<300_000).map { _ in alphabet.randomElement(using: &rng)! }
        for c in Canonicalization.allCases {
            let h = BodyHasher(c)
            var i = 0
            while i < body.count {
                let j = min(body.count, i + Int.random(in: 1...100_000, using: &rng))
                h.update(Array(body[i..<j]))
                i = j
            }
            let want = Self.reference(body, c)
            #expect(h.finish() == Digest.sha256(want), "\(c)")
            let limited = BodyHasher(c, limit: 70_000)
            limited.update(body)
            #expect(limited.finish() == Digest.sha256(want.prefix(70_000)), "\(c) l=70000")
        }
    }
}

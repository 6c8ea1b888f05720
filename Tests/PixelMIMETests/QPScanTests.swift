// QPScan and the sixteen-octet paths of QuotedPrintable.decode and QPLineMap.build: the block scan
// finds the same "=", CR or LF as an octet-by-octet scan for every start, end and special position
// around 16-octet block edges; the decoder matches QPModel on QP-shaped lines (76 octets, "=XX",
// soft breaks) with escapes, 8-bit octets and whitespace runs placed at every offset of a block
// (0...15, 16, 31, 32) and at every input length; the line map agrees with the decoder line by
// line on such bodies.
import Testing
@testable import PixelMIME

@Suite struct QPScanTests {
    static func nextSpecialModel(_ s: [UInt8], from: Int, to end: Int) -> Int {
        var k = from
        while k < end && s[k] != 61 && s[k] != 13 && s[k] != 10 { k += 1 }
        return k
    }

    @Test func firstTrueIsTheFirstHitLane() {
        for lane in 0..<16 {
            for extra in [nil, lane + 1, 15] as [Int?] {
                var v = QPScan.Block(repeating: 65)
                v[lane] = 61
                if let e = extra, e < 16 { v[e] = 10 }
                let m = QPScan.decodeSpecials(v)
                #expect(any(m))
                #expect(QPScan.firstTrue(m) == lane)
            }
        }
        #expect(!any(QPScan.decodeSpecials(QPScan.Block(repeating: 200))))
        for b in 0...255 {
            let v = QPScan.Block(repeating: UInt8(b))
            #expect(any(QPScan.decodeSpecials(v)) == (b == 61 || b == 13 || b == 10))
            #expect(QPScan.hasHighBit(v) == (b >= 128))
        }
    }

    @Test func nextDecodeSpecialMatchesAnOctetScan() {
        let plain: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz0123456789 \t<>\u{7F}".utf8) + [0, 128, 255, 0xC3]
        var rng = SeededRNG(seed: 16_32)
        for len in 0...70 {
            for at in [nil] + Array(0..<len) as [Int?] {
                var s = (0..<len).map { _ in plain.randomElement(using: &rng)! }
                if let at { s[at] = [61, 13, 10].randomElement(using: &rng)! }
                if let at, at + 1 < len, Bool.random(using: &rng) { s[Int.random(in: (at + 1)..<len, using: &rng)] = 61 }
                for from in Set([0, 1, 7, 8, 15, 16, 17, len / 2, len]) where from <= len {
                    let got = s.withUnsafeBufferPointer { QPScan.nextDecodeSpecial($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, from: from, to: len) }
                    #expect(got == Self.nextSpecialModel(s, from: from, to: len), "len \(len) at \(String(describing: at)) from \(from)")
                }
            }
        }
    }

    /// QP-shaped text: lines of up to 76 octets (now and then 77) ending in a soft or hard break,
    /// with escapes, 8-bit octets, invalid "=" or whitespace runs put at chosen offsets from a
    /// 16-octet block edge of the line, and whitespace before the break.
    static func qpBody(_ rng: inout SeededRNG, lines: Int, crlf: Bool) -> [UInt8] {
        let plain = Array("abcdefghijklmnopqrstuvwxyz ABC 0123456789 <p>.,;:/?&-".utf8)
        let offsets = Array(0...16) + [31, 32, 33, 47, 48, 63, 64]
        let pieces: [[UInt8]] = [Array("=3D".utf8), Array("=c3=a9".utf8), Array("=20".utf8), [0xC3, 0xA9], [0xFF],
                                 Array("=G".utf8), [61], Array(" \t  ".utf8), Array(String(repeating: " ", count: 18).utf8)]
        let eol: [UInt8] = crlf ? [13, 10] : [10]
        var out: [UInt8] = []
        for _ in 0..<lines {
            let inserts = (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
            let padding: [UInt8] = Bool.random(using: &rng)
                ? Array(repeating: [32, 9].randomElement(using: &rng)!, count: Int.random(in: 1...20, using: &rng)) : []
            let end: [UInt8]
            switch UInt64.random(in: 0..<4, using: &rng) {
            case 0: end = eol
            case 1: end = [61] + Array(repeating: 32, count: Int.random(in: 0...2, using: &rng)) + eol
            default: end = [61] + eol
            }
            let used = inserts.reduce(0) { $0 + $1.count } + padding.count + (end.first == 61 ? 1 : 0)
            let target = [76, 76, 75, 73, 77, Int.random(in: 0...76, using: &rng), Int.random(in: 15...40, using: &rng)].randomElement(using: &rng)!
            var line = (0..<max(0, target - used)).map { _ in plain.randomElement(using: &rng)! }
            for piece in inserts { line.insert(contentsOf: piece, at: min(offsets.randomElement(using: &rng)!, line.count)) }
            out += line + padding + end
        }
        // Any length, not only whole lines (the tail after the last full block).
        if UInt64.random(in: 0..<4, using: &rng) == 0 { out.removeLast(Int.random(in: 0...min(20, out.count), using: &rng)) }
        return out
    }

    @Test func decodeMatchesModelAroundBlockEdges() {
        var rng = SeededRNG(seed: 7616)
        for round in 0..<3000 {
            let body = Self.qpBody(&rng, lines: Int.random(in: 1...8, using: &rng), crlf: round % 2 == 0)
            // Every suffix start within the first block moves the blocks over the content.
            let shift = round % 17
            let s = Array(body.dropFirst(min(shift, body.count)))
            let got = s.withUnsafeBytes { QuotedPrintable.decode($0) }
            let want = QPModel.decode(s)
            #expect(got.bytes == want.bytes, "input \(s)")
            #expect(got.clean == want.clean, "input \(s)")
            if got.bytes != want.bytes || got.clean != want.clean { return }
        }
    }

    @Test func decodeCleanTracksEightBitOctetsAtEveryPosition() {
        for len in 1...70 {
            for at in 0..<len {
                for special in [nil, 0, at + 1, len - 1] as [Int?] {
                    var s = [UInt8](repeating: 97, count: len)
                    if let sp = special, sp < len, sp != at { s[sp] = 61 }
                    s[at] = 0xE9
                    let got = s.withUnsafeBytes { QuotedPrintable.decode($0) }
                    let want = QPModel.decode(s)
                    #expect(got.bytes == want.bytes && got.clean == want.clean, "len \(len) at \(at)")
                }
            }
        }
    }

    @Test func lineMapAgreesWithTheDecoderAroundBlockEdges() {
        var rng = SeededRNG(seed: 1676)
        var built = 0
        for round in 0..<2000 {
            let crlf = round % 2 == 0
            let body = Self.qpBody(&rng, lines: Int.random(in: 1...8, using: &rng), crlf: crlf)
            let map: QPLineMap
            switch body.withUnsafeBytes({ QPLineMap.build($0, lineEnding: crlf ? .crlf : .lf) }) {
            case .success(let m): map = m
            case .failure: continue
            }
            built += 1
            #expect(map.encodedStart(map.lineCount) == body.count)
            for l in 0..<map.lineCount {
                let line = Array(body[map.encodedStart(l)..<map.encodedStart(l + 1)])
                let alone = line.withUnsafeBytes { QuotedPrintable.decode($0).bytes }
                #expect(alone.count == map.decodedStart(l + 1) - map.decodedStart(l), "line \(l) of \(body)")
            }
        }
        #expect(built > 500)
    }
}

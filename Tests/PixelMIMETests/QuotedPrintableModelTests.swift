// QuotedPrintable against a byte-at-a-time model: the codec copies plain eight-octet words in one
// step (QPWord), and these tests check that this never changes a single output byte or the
// `clean` verdict, on inputs dense in the octets that need a decision ("=", SP, HTAB, CR, LF,
// "-", controls, 8-bit) at every alignment, plus the word predicates themselves octet by octet.
import Testing
@testable import PixelMIME

/// RFC 2045 6.7 as the codec documents it, one octet at a time (the codec's rules restated, not
/// its code).
enum QPModel {
    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    static func decode(_ s: [UInt8]) -> (bytes: [UInt8], clean: Bool) {
        var out: [UInt8] = []
        var clean = true
        var padFrom: Int?            // start of literal trailing whitespace in `out`
        var i = 0
        while i < s.count {
            let b = s[i]
            if b == 61 {
                if i + 2 < s.count, let h = hex(s[i + 1]), let l = hex(s[i + 2]) {
                    out.append(h << 4 | l)
                    if s[i + 1] > 96 || s[i + 2] > 96 { clean = false }
                    padFrom = nil
                    i += 3
                    continue
                }
                var j = i + 1
                while j < s.count && (s[j] == 32 || s[j] == 9) { j += 1 }
                if j == s.count { break }
                if s[j] == 10 { i = j + 1; continue }
                if s[j] == 13 && j + 1 < s.count && s[j + 1] == 10 { i = j + 2; continue }
                out.append(b)
                clean = false
                padFrom = nil
                i += 1
            } else if b == 32 || b == 9 {
                if padFrom == nil { padFrom = out.count }
                out.append(b)
                i += 1
            } else if b == 13 || b == 10 {
                if let p = padFrom { out.removeSubrange(p...); padFrom = nil }
                out.append(b)
                i += 1
            } else {
                if b >= 128 { clean = false }
                out.append(b)
                padFrom = nil
                i += 1
            }
        }
        return (out, clean)
    }

    static func encode(_ s: [UInt8], crlf: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var line = 0
        func hardBreak() {
            if crlf { out.append(13) }
            out.append(10)
            line = 0
        }
        func emit(_ b: UInt8, escaped: Bool, atLineEnd: Bool) {
            var escaped = escaped
            if line + (escaped ? 3 : 1) > (atLineEnd ? 76 : 75) { out.append(61); hardBreak() }
            if b == 45 && line == 0 { escaped = true }
            if escaped {
                let digits = Array("0123456789ABCDEF".utf8)
                out += [61, digits[Int(b >> 4)], digits[Int(b & 15)]]
                line += 3
            } else {
                out.append(b)
                line += 1
            }
        }
        var i = 0
        while i < s.count {
            let b = s[i]
            if b == 13 && i + 1 < s.count && s[i + 1] == 10 { hardBreak(); i += 2; continue }
            if b == 10 { hardBreak(); i += 1; continue }
            let next = i + 1 < s.count ? s[i + 1] : 10
            let atLineEnd = next == 10 || (next == 13 && i + 2 < s.count && s[i + 2] == 10)
            if b == 32 || b == 9 {
                emit(b, escaped: atLineEnd, atLineEnd: atLineEnd)
            } else {
                emit(b, escaped: !(b >= 33 && b <= 126 && b != 61), atLineEnd: atLineEnd)
            }
            i += 1
        }
        return out
    }
}

@Suite struct QuotedPrintableModelTests {
    /// Mostly long plain runs (so words are taken), broken by octets that need a decision.
    static func input(_ rng: inout SeededRNG, count: Int, specials: [UInt8]) -> [UInt8] {
        let plain = Array("abcdefghijklmnopqrstuvwxyz ABC 0123456789 <p>.,;:/?&".utf8)
        return (0..<count).map { _ in
            UInt64.random(in: 0..<6, using: &rng) == 0 ? specials.randomElement(using: &rng)! : plain.randomElement(using: &rng)!
        }
    }

    static let specials: [UInt8] = [61, 32, 32, 9, 13, 10, 45, 0, 127, 128, 0xC3, 0xA9, 0xFF, 51, 68, 100, 31]

    @Test func decodeMatchesModel() {
        var rng = SeededRNG(seed: 2045)
        for round in 0..<3000 {
            let n = round < 300 ? round : Int.random(in: 0...600, using: &rng)
            var s = Self.input(&rng, count: n, specials: Self.specials)
            // Half the inputs look like real QP: escapes and soft breaks spliced in.
            if round % 2 == 1 {
                for _ in 0..<(n / 20) {
                    let at = Int.random(in: 0...s.count, using: &rng)
                    let pieces: [[UInt8]] = [Array("=3D".utf8), Array("=c3=a9".utf8), Array("=\r\n".utf8), Array("= \t\n".utf8),
                                             Array("  \r\n".utf8), Array("=20\r\n".utf8), Array("=G1".utf8), [61],
                                             Array("          ".utf8), Array("abcdefgh        \r\n".utf8), Array("=20         \n".utf8)]
                    s.insert(contentsOf: pieces.randomElement(using: &rng)!, at: at)
                }
            }
            let got = s.withUnsafeBytes { QuotedPrintable.decode($0) }
            let want = QPModel.decode(s)
            #expect(got.bytes == want.bytes, "input \(s)")
            #expect(got.clean == want.clean, "input \(s)")
            if got.bytes != want.bytes || got.clean != want.clean { return }
        }
    }

    @Test func encodeMatchesModel() {
        var rng = SeededRNG(seed: 6376)
        for round in 0..<3000 {
            let n = round < 300 ? round : Int.random(in: 0...600, using: &rng)
            var s = Self.input(&rng, count: n, specials: Self.specials)
            // Every third input is text-shaped: short plain lines (the whole-line path), some
            // 70...80 octets long, some starting with "-" or ending with a space.
            if round % 3 == 0 {
                s = []
                for _ in 0..<Int.random(in: 1...12, using: &rng) {
                    let len = [Int.random(in: 0...20, using: &rng), Int.random(in: 70...80, using: &rng)].randomElement(using: &rng)!
                    var line = Self.input(&rng, count: len, specials: [32, 45, 61])
                    if Bool.random(using: &rng), !line.isEmpty { line[line.count - 1] = 32 }
                    s += line + (Bool.random(using: &rng) ? [13, 10] : [10])
                }
            }
            for crlf in [true, false] {
                let got = QuotedPrintable.encode(s, lineEnding: crlf ? .crlf : .lf)
                #expect(got == QPModel.encode(s, crlf: crlf), "input \(s)")
                if got != QPModel.encode(s, crlf: crlf) { return }
            }
        }
    }

    @Test func plainLineLengthIsALineTheEncoderCopiesLiterally() {
        func len(_ s: String) -> Int { Array(s.utf8).withUnsafeBufferPointer { QPWord.plainLineLength($0.baseAddress!, available: $0.count) } }
        #expect(len("hello world\r\nnext") == 11)
        #expect(len("hello world\nnext") == 11)
        #expect(len("hello world") == 11)                       // last line, no break
        #expect(len(String(repeating: "x", count: 76) + "\r\n") == 76)
        #expect(len(String(repeating: "x", count: 77) + "\r\n") == 0)
        #expect(len(String(repeating: "x", count: 200)) == 0)
        #expect(len("-- sig\r\n") == 0)                          // "-" first on a line
        #expect(len("trailing \r\n") == 0)                       // SP before the break
        #expect(len("a=b\r\n") == 0)
        #expect(len("tab\there\r\n") == 0)
        #expect(len("bare\rcr\n") == 0)
        #expect(len("\r\n") == 0)
        #expect(len("caf\u{E9}\r\n") == 0)
    }

    @Test func longPlainLinesBreakLikeTheModel() {
        for len in 60...240 {
            for lead in ["", "-", " ", "x"] {
                let s = Array((lead + String(repeating: "word ", count: len / 5) + "end").utf8)
                #expect(QuotedPrintable.encode(s, lineEnding: .crlf) == QPModel.encode(s, crlf: true))
            }
        }
    }

    @Test func wordPredicatesAgreeWithOctetTests() {
        var rng = SeededRNG(seed: 8)
        let interesting: [UInt8] = [0, 9, 10, 13, 31, 32, 32, 32, 33, 45, 60, 61, 62, 126, 127, 128, 200, 255]
        for _ in 0..<20_000 {
            let octets = (0..<8).map { _ in
                Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 33...126, using: &rng)
            }
            let w = octets.withUnsafeBufferPointer { QPWord.load($0.baseAddress!) }
            #expect(QPWord.hasLess(w, 32) == octets.contains { $0 < 32 })
            #expect(QPWord.hasMore(w, 126) == octets.contains { $0 > 126 })
            #expect(QPWord.has(w, 61) == octets.contains(61))
            let firstSpecial = octets.firstIndex { $0 == 61 || $0 == 13 || $0 == 10 }
            let specials = QPWord.decodeSpecials(w)
            #expect(specials == 0 ? firstSpecial == nil : specials.trailingZeroBitCount / 8 == firstSpecial)
            for start in [true, false] {
                for next: UInt8 in [10, 13, 32, 65] {
                    let encodePlain = !octets.contains { $0 < 32 || $0 > 126 || $0 == 61 } && next != 10 && next != 13
                        && !(start && octets[0] == 45)
                    #expect(QPWord.isPlainForEncode(w, atLineStart: start, next: next) == encodePlain)
                }
            }
        }
    }
}

// TransferCodec tests: QP and base64 round trips on seeded random data, line-length bounds
// (76 for QP/base64, 998 for identity encodings), lenient decoding of bad input, and the
// switch-to-QP signal when an identity encoding cannot carry the content.
import Testing
@testable import PixelMIME

@Suite struct TransferCodecTests {
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
    }

    static func randomBytes(_ rng: inout SeededRNG, count: Int, textLike: Bool) -> [UInt8] {
        let text: [UInt8] = Array("abc XYZ 0123 <p>=\t.\r\n\u{E9}".utf8)
        return (0..<count).map { _ in textLike ? text.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng) }
    }

    @Test func base64RoundTripRandom() {
        var rng = SeededRNG(seed: 42)
        for size in [0, 1, 2, 3, 56, 57, 58, 1000, 65_537] {
            let data = Self.randomBytes(&rng, count: size, textLike: false)
            for eol in [LineEnding.crlf, .lf] {
                let enc = TransferCodec.encode(data, .base64, lineEnding: eol)
                #expect(!enc.needsQuotedPrintable)
                let lines = Self.lines(enc.bytes).dropLast()
                #expect(lines.allSatisfy { $0.count <= 76 })
                #expect(lines.dropLast().allSatisfy { $0.count == 76 })
                let dec = TransferCodec.decode(enc.bytes, .base64)
                #expect(dec.bytes == data)
                #expect(dec.clean)
            }
        }
    }

    @Test func base64KnownVectors() {
        #expect(TransferCodec.encode(Array("foobar".utf8), .base64).bytes == Array("Zm9vYmFy\r\n".utf8))
        #expect(TransferCodec.encode(Array("fo".utf8), .base64).bytes == Array("Zm8=\r\n".utf8))
        #expect(TransferCodec.decode(Array("Zm9v\r\nYmE=".utf8), .base64) == DecodeResult(bytes: Array("fooba".utf8), clean: true))
    }

    @Test func base64LenientDecoding() {
        let junk = TransferCodec.decode(Array("Zm9v!Ym*Fy".utf8), .base64)
        #expect(junk.bytes == Array("foobar".utf8))
        #expect(!junk.clean)
        let missingPad = TransferCodec.decode(Array("Zm8".utf8), .base64)
        #expect(missingPad.bytes == Array("fo".utf8))
        #expect(!missingPad.clean)
        let dangling = TransferCodec.decode(Array("Zm9vY".utf8), .base64)
        #expect(dangling.bytes == Array("foo".utf8))
        #expect(!dangling.clean)
        let afterPad = TransferCodec.decode(Array("Zg==Zm8=".utf8), .base64)
        #expect(afterPad.bytes == Array("ffo".utf8))
        #expect(!afterPad.clean)
        let eightBit = TransferCodec.decode([0xFF, 0xFE] + Array("Zg==".utf8), .base64)
        #expect(eightBit.bytes == Array("f".utf8))
        #expect(!eightBit.clean)
    }

    @Test func quotedPrintableRoundTripRandom() {
        var rng = SeededRNG(seed: 7)
        for size in [0, 1, 75, 76, 77, 300, 20_000] {
            for textLike in [true, false] {
                let data = Self.randomBytes(&rng, count: size, textLike: textLike)
                let enc = TransferCodec.encode(data, .quotedPrintable, lineEnding: .crlf)
                #expect(Self.lines(enc.bytes).allSatisfy { $0.count <= 76 })
                #expect(enc.bytes.allSatisfy { $0 < 128 && $0 != 0 })
                // Bare CR would be ambiguous on the wire: never emitted raw.
                for (i, b) in enc.bytes.enumerated() where b == 13 { #expect(i + 1 < enc.bytes.count && enc.bytes[i + 1] == 10) }
                let dec = TransferCodec.decode(enc.bytes, .quotedPrintable)
                #expect(dec.clean)
                // Bare LF in the content is a hard break, written as CRLF.
                #expect(dec.bytes == normaliseLF(data))
            }
        }
    }

    func normaliseLF(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, b) in data.enumerated() {
            if b == 10 && (i == 0 || data[i - 1] != 13) { out.append(13) }
            out.append(b)
        }
        return out
    }

    @Test func quotedPrintableEncodingRules() {
        let enc = TransferCodec.encode(Array("a=b \r\ntab\t\r\nend ".utf8), .quotedPrintable).bytes
        #expect(String(decoding: enc, as: UTF8.self) == "a=3Db=20\r\ntab=09\r\nend=20")
        let long = String(repeating: "x", count: 100)
        let encLong = String(decoding: TransferCodec.encode(Array(long.utf8), .quotedPrintable).bytes, as: UTF8.self)
        #expect(encLong == String(repeating: "x", count: 75) + "=\r\n" + String(repeating: "x", count: 25))
        let utf8 = String(decoding: TransferCodec.encode(Array("é".utf8), .quotedPrintable).bytes, as: UTF8.self)
        #expect(utf8 == "=C3=A9")
        let dash = String(decoding: TransferCodec.encode(Array("--b\r\na-b".utf8), .quotedPrintable).bytes, as: UTF8.self)
        #expect(dash == "=2D-b\r\na-b")
        let softDash = String(decoding: TransferCodec.encode(Array((String(repeating: "x", count: 75) + "--b").utf8), .quotedPrintable).bytes, as: UTF8.self)
        #expect(softDash == String(repeating: "x", count: 75) + "=\r\n=2D-b")
        let lf = String(decoding: TransferCodec.encode(Array("a\nb".utf8), .quotedPrintable, lineEnding: .lf).bytes, as: UTF8.self)
        #expect(lf == "a\nb")
    }

    @Test func quotedPrintableLenientDecoding() {
        let soft = TransferCodec.decode(Array("http://x.example/o=\r\npen?id=3D1 \t\r\nnext=\nline".utf8), .quotedPrintable)
        #expect(String(decoding: soft.bytes, as: UTF8.self) == "http://x.example/open?id=1\r\nnextline")
        #expect(soft.clean)
        let bad = TransferCodec.decode(Array("100=% =G1 =\u{E9}".utf8), .quotedPrintable)
        #expect(String(decoding: bad.bytes, as: UTF8.self) == "100=% =G1 =\u{E9}")
        #expect(!bad.clean)
        let lower = TransferCodec.decode(Array("=c3=a9".utf8), .quotedPrintable)
        #expect(lower.bytes == [0xC3, 0xA9])
        let softWithSpace = TransferCodec.decode(Array("ab= \r\ncd=".utf8), .quotedPrintable)
        #expect(softWithSpace.bytes == Array("abcd".utf8))
    }

    @Test func identityEncodingKeepsShortLines() {
        let data = Array("<p>hello</p>\r\nline two\r\n".utf8)
        let enc = TransferCodec.encode(data, .sevenBit)
        #expect(enc.bytes == data)
        #expect(!enc.needsQuotedPrintable)
        #expect(TransferCodec.encode(Array("bare\nlf".utf8), .eightBit).bytes == Array("bare\r\nlf".utf8))
        #expect(TransferCodec.encode(Array("bare\nlf".utf8), .binary).bytes == Array("bare\nlf".utf8))
        #expect(TransferCodec.encode(Array("bare\nlf".utf8), .eightBit, lineEnding: .lf).bytes == Array("bare\nlf".utf8))
    }

    @Test func identityEncodingBreaksLongLinesAtSafePoints() {
        var rng = SeededRNG(seed: 99)
        var html: [UInt8] = []
        while html.count < 50_000 {
            html += Array("<td class=\"c\">".utf8)
            html += (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 97...122, using: &rng) }
            html += Array("</td>".utf8)
        }
        let enc = TransferCodec.encode(html, .eightBit)
        #expect(!enc.needsQuotedPrintable)
        let lines = Self.lines(enc.bytes)
        #expect(lines.count > 50)
        #expect(lines.allSatisfy { $0.count <= 998 })
        // Every break follows existing whitespace (here inside `<td class>`), never splits a word.
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.0.last == 32 })
        #expect(enc.bytes.filter { $0 != 13 && $0 != 10 } == html)

        // Without whitespace, lines are broken before a '<'.
        let tight = Array(String(repeating: "<td>cell</td>", count: 300).utf8)
        let t = TransferCodec.encode(tight, .eightBit)
        let tightLines = Self.lines(t.bytes)
        #expect(!t.needsQuotedPrintable)
        #expect(tightLines.count > 3)
        #expect(tightLines.allSatisfy { $0.count <= 998 })
        #expect(tightLines.dropFirst().allSatisfy { $0.first == 60 })
        #expect(t.bytes.filter { $0 != 13 && $0 != 10 } == tight)

        let words = Array(String(repeating: "word ", count: 1000).utf8)
        let w = TransferCodec.encode(words, .sevenBit)
        #expect(!w.needsQuotedPrintable)
        #expect(Self.lines(w.bytes).allSatisfy { $0.count <= 998 })
        #expect(w.bytes.filter { $0 != 13 && $0 != 10 } == words)

        let exact = [UInt8](repeating: 120, count: 998) + [13, 10]
        #expect(TransferCodec.encode(exact, .sevenBit) == EncodeResult(bytes: exact, needsQuotedPrintable: false))
    }

    @Test func identityEncodingAsksForQuotedPrintable() {
        #expect(TransferCodec.encode([UInt8](repeating: 120, count: 999), .eightBit).needsQuotedPrintable)
        #expect(TransferCodec.encode(Array("caf\u{E9}".utf8), .sevenBit).needsQuotedPrintable)
        #expect(!TransferCodec.encode(Array("caf\u{E9}".utf8), .eightBit).needsQuotedPrintable)
        #expect(TransferCodec.encode([65, 0, 66], .eightBit).needsQuotedPrintable)
        #expect(TransferCodec.encode([65], .other("x-uuencode")).needsQuotedPrintable)
    }

    @Test func transferEncodingHeaderValues() {
        #expect(TransferEncoding(headerValue: nil) == .sevenBit)
        #expect(TransferEncoding(headerValue: " Quoted-Printable ") == .quotedPrintable)
        #expect(TransferEncoding(headerValue: "BASE64") == .base64)
        #expect(TransferEncoding(headerValue: "8Bit") == .eightBit)
        #expect(TransferEncoding(headerValue: "x-uuencode") == .other("x-uuencode"))
        #expect(TransferEncoding.quotedPrintable.description == "quoted-printable")
    }
}

// CRLFLineEndsTests: VariantRenderer.crlfLineEnds (memchr runs) against the byte loop it replaced
// (kept here as the reference), on random text with LF, CR, CRLF and non-ASCII.
import Testing
@testable import PixelEngine

@Suite struct CRLFLineEndsTests {
    static func reference(_ text: String) -> String {
        var out: [UInt8] = []
        var prev: UInt8 = 0
        for b in text.utf8 {
            if b == 10 && prev != 13 { out.append(13) }
            out.append(b)
            prev = b
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func sameTextAsTheByteLoop() {
        let pieces = ["\n", "\r", "\r\n", "\n\n", "\r\r\n", "line", " ", "é", "日本", "🙂", "\t", ""]
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...12)).map { _ in pieces.randomElement()! }.joined()
            #expect(VariantRenderer.crlfLineEnds(text) == Self.reference(text), "\(Array(text.utf8))")
        }
        #expect(VariantRenderer.crlfLineEnds("") == "")
        #expect(VariantRenderer.crlfLineEnds("\n") == "\r\n")
        #expect(VariantRenderer.crlfLineEnds("a\r\nb\nc\r") == "a\r\nb\r\nc\r")
    }
}

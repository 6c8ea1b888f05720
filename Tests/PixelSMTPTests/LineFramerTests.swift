// LineFramerTests: CRLF and bare-LF framing, limits with discard-to-end, remainder hand-off
// (pipelining after DATA, injection after STARTTLS) and chunk-split independence.
import Testing
@testable import PixelSMTP

func allLines(_ f: inout LineFramer) -> [LineResult] {
    var out: [LineResult] = []
    while let l = f.nextLine() { out.append(l) }
    return out
}

@Suite struct LineFramerTests {
    @Test func crlfAndBareLF() {
        var f = LineFramer()
        f.append(bytes("EHLO a\r\nNOOP\nQUIT\r\npartial"))
        #expect(allLines(&f) == [.line(bytes("EHLO a")), .line(bytes("NOOP")), .line(bytes("QUIT"))])
        #expect(f.buffered == 7)
        f.append(bytes("\r\n"))
        #expect(f.nextLine() == .line(bytes("partial")))
        #expect(f.nextLine() == nil)
        #expect(f.buffered == 0)
    }

    @Test func strictModeOnlyCRLF() {
        var f = LineFramer(maxLength: 100, bareLFEndsLine: false)
        f.append(bytes("250-a\nb\r\n"))
        #expect(allLines(&f) == [.line(bytes("250-a\nb"))])
    }

    @Test func innerCRIsKept() {
        var f = LineFramer()
        f.append(bytes("NOOP\rX\r\n"))
        #expect(f.nextLine() == .line(bytes("NOOP\rX")))
    }

    @Test func tooLongCompleteLine() {
        var f = LineFramer(maxLength: 10)
        f.append(bytes("0123456789\r\n01234567890\r\nNOOP\r\n"))
        #expect(allLines(&f) == [.line(bytes("0123456789")), .tooLong, .line(bytes("NOOP"))])
    }

    @Test func tooLongIncompleteLineIsDiscardedUntilLineEnd() {
        var f = LineFramer(maxLength: 10)
        f.append(bytes("0123456789"))
        #expect(f.nextLine() == nil)
        f.append(bytes("\r"))
        #expect(f.nextLine() == nil, "CR may still be followed by LF")
        f.append(bytes("ABCDEF"))
        #expect(f.nextLine() == .tooLong)
        #expect(f.buffered == 0)
        f.append(bytes(String(repeating: "x", count: 5000)))
        #expect(f.nextLine() == nil)
        #expect(f.buffered == 0, "memory stays bounded while discarding")
        f.append(bytes("yyy\r\nQUIT\r\n"))
        #expect(allLines(&f) == [.line(bytes("QUIT"))])
    }

    @Test func remainderAfterData() {
        var f = LineFramer()
        f.append(bytes("DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n"))
        #expect(f.nextLine() == .line(bytes("DATA")))
        #expect(f.takeRemainder() == bytes("Subject: x\r\n\r\nbody\r\n.\r\n"))
        #expect(f.buffered == 0)
        #expect(f.nextLine() == nil)
    }

    @Test func injectionAfterStartTLSIsVisible() {
        var f = LineFramer()
        f.append(bytes("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n"))
        #expect(f.nextLine() == .line(bytes("STARTTLS")))
        #expect(f.buffered > 0, "the session must refuse these bytes (CVE-2011-0411)")
    }

    @Test func randomSplitsGiveSameLines() {
        let input = bytes("EHLO x\r\nMAIL FROM:<a@b.c>\nRCPT TO:<d@e.f>\r\n" + String(repeating: "z", count: 40) + "\r\nDATA\r\n")
        var whole = LineFramer(maxLength: 30)
        whole.append(input)
        let expected = allLines(&whole)
        #expect(expected.count == 5 && expected[3] == .tooLong)
        var rng = SplitMix64(seed: 99)
        for _ in 0..<300 {
            var f = LineFramer(maxLength: 30)
            var got: [LineResult] = []
            var offset = 0
            for len in randomSplits(count: input.count, using: &rng) {
                f.append(input[offset..<(offset + len)])
                offset += len
                got += allLines(&f)
            }
            #expect(got == expected)
        }
    }
}

// DotEncoderTests: golden stuffing cases and the round trip DotDecoder(DotEncoder(x)) == normalised x
// over seeded random messages and random chunk splits on both sides.
import Testing
@testable import PixelSMTP

func encode(_ message: [UInt8], splits: [Int]? = nil) -> [UInt8] {
    var e = DotEncoder()
    var out: [UInt8] = []
    var offset = 0
    for len in (splits ?? [message.count]) where len > 0 {
        e.encode(Array(message[offset..<(offset + len)]), into: &out)
        offset += len
    }
    if offset < message.count { e.encode(Array(message[offset...]), into: &out) }
    e.finish(into: &out)
    return out
}

/// Bare CR / bare LF become CRLF, and an unterminated last line gets CRLF.
func normalizedMessage(_ m: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < m.count {
        let c = m[i]
        if c == 0x0D {
            out += [0x0D, 0x0A]
            i += (i + 1 < m.count && m[i + 1] == 0x0A) ? 2 : 1
        } else if c == 0x0A {
            out += [0x0D, 0x0A]
            i += 1
        } else {
            out.append(c)
            i += 1
        }
    }
    if !out.isEmpty && out.suffix(2) != [0x0D, 0x0A] { out += [0x0D, 0x0A] }
    return out
}

@Suite struct DotEncoderTests {
    @Test func stuffsLeadingDots() {
        #expect(encode(bytes(".a\r\nb.\r\n..\r\n.")) == bytes("..a\r\nb.\r\n...\r\n..\r\n.\r\n"))
    }

    @Test func emptyMessage() {
        #expect(encode([]) == bytes(".\r\n"))
    }

    @Test func bareLineEndsBecomeCRLF() {
        #expect(encode(bytes("a\nb\rc\r\nd")) == bytes("a\r\nb\r\nc\r\nd\r\n.\r\n"))
        #expect(encode(bytes("a\n.\n")) == bytes("a\r\n..\r\n.\r\n"))
    }

    @Test func crlfSplitAcrossChunksIsOneLineEnd() {
        #expect(encode(bytes("a\r\n.b\r\n"), splits: [2, 1, 1]) == bytes("a\r\n..b\r\n.\r\n"))
        #expect(encode(bytes("a\r\r\n"), splits: [2, 1]) == bytes("a\r\n\r\n.\r\n"))
    }

    @Test func encoderIsReusableAfterFinish() {
        var e = DotEncoder()
        var out: [UInt8] = []
        e.encode(bytes("x"), into: &out)
        e.finish(into: &out)
        e.encode(bytes(".y\r"), into: &out)
        e.finish(into: &out)
        #expect(out == bytes("x\r\n.\r\n..y\r\n.\r\n"))
    }

    @Test func roundTripOverRandomMessagesAndSplits() {
        var rng = SplitMix64(seed: 0xD07_C0DEC)
        let alphabet: [UInt8] = [0x61, 0x2E, 0x2E, 0x0D, 0x0A, 0x00, 0x20, 0xC3, 0xA9]
        for round in 0..<600 {
            let len = Int.random(in: 0..<120, using: &rng)
            let message = (0..<len).map { _ in alphabet.randomElement(using: &rng)! }
            let wire = encode(message, splits: randomSplits(count: message.count, using: &rng))
            #expect(hasOnlyCRLF(wire), "round \(round)")
            for policy in BareNewlinePolicy.allCases {
                let r = decode(wire, splits: randomSplits(count: wire.count, using: &rng), policy: policy)
                #expect(r.failure == nil, "round \(round)")
                #expect(r.consumed == wire.count, "round \(round): the only terminator is the final one")
                #expect(r.output == normalizedMessage(message), "round \(round)")
            }
        }
    }
}

// DotDecoderTests: golden cases, every SMTP smuggling sequence from issue 2 with a smuggled
// MAIL/RCPT/DATA after it, limits, and the same inputs in 200+ seeded random chunk splits. A naive
// byte-at-a-time reference decoder (written from RFC 5321 4.5.2, independent of the fast one) is
// compared against the real decoder on random messages.
import Testing
@testable import PixelSMTP

/// What one complete decode produced.
struct DecodeOutcome: Equatable {
    var output: [UInt8]
    /// Bytes of the input that belonged to DATA, nil when the terminator was never seen.
    var consumed: Int?
    var failure: SMTPReply?
}

/// Feeds `input` in the given chunk lengths (the rest in one chunk).
func decode(_ input: [UInt8], splits: [Int]? = nil, policy: BareNewlinePolicy = .reject,
            maxSize: Int = 1 << 20, maxLine: Int = 998) -> DecodeOutcome {
    var d = DotDecoder(maxSize: maxSize, maxLineLength: maxLine, bareNewline: policy)
    var out: [UInt8] = []
    var offset = 0
    let lengths = splits ?? [input.count]
    for len in lengths + [input.count] {
        let end = min(input.count, offset + len)
        let r = input[offset..<end].withUnsafeBytes { buf in
            d.feed(buf) { out.append(contentsOf: $0) }
        }
        if case .end(let consumed) = r {
            #expect(d.isFinished)
            #expect(d.consumedTotal == offset + consumed)
            return DecodeOutcome(output: out, consumed: offset + consumed, failure: d.failure)
        }
        offset = end
        if offset == input.count { break }
    }
    return DecodeOutcome(output: out, consumed: nil, failure: d.failure)
}

/// Reference decoder: byte at a time, straight from the rules in DotDecoder's contract.
func referenceDecode(_ input: [UInt8], policy: BareNewlinePolicy, maxSize: Int = 1 << 20, maxLine: Int = 998) -> DecodeOutcome {
    var out: [UInt8] = []
    var failure: SMTPReply?
    var realLineStart = true
    var lineLength = 0
    var i = 0
    func put(_ b: UInt8) {
        guard failure == nil else { return }
        if out.count >= maxSize { failure = .messageTooBig; return }
        out.append(b)
    }
    while i < input.count {
        if realLineStart && input[i] == 0x2E {
            if i + 2 < input.count + 0 && input[i + 1] == 0x0D && input[i + 2] == 0x0A {
                return DecodeOutcome(output: out, consumed: i + 3, failure: failure)
            }
            if i + 1 == input.count || (i + 2 == input.count && input[i + 1] == 0x0D) { break }
            i += 1
            realLineStart = false
            continue
        }
        realLineStart = false
        let c = input[i]
        if c == 0x0D && i + 1 < input.count && input[i + 1] == 0x0A {
            put(0x0D); put(0x0A)
            i += 2
            realLineStart = true
            lineLength = 0
            continue
        }
        if c == 0x0D && i + 1 == input.count { break }
        if c == 0x0D || c == 0x0A {
            if policy == .normalize {
                put(0x0D); put(0x0A)
            } else {
                // A bare CR is only known to be bare at the next octet; it has been written by then.
                if c == 0x0D { put(0x0D) }
                if failure == nil { failure = .bareNewline }
            }
            lineLength = 0
            i += 1
            continue
        }
        lineLength += 1
        if lineLength > maxLine && failure == nil { failure = .lineTooLong }
        put(c)
        i += 1
    }
    return DecodeOutcome(output: out, consumed: nil, failure: failure)
}

@Suite struct DotDecoderTests {
    static let smugglingSequences: [(name: String, bytes: [UInt8])] = [
        ("LF.LF", [0x0A, 0x2E, 0x0A]),
        ("LF.CRLF", [0x0A, 0x2E, 0x0D, 0x0A]),
        ("CR.CR", [0x0D, 0x2E, 0x0D]),
        ("CR.LF", [0x0D, 0x2E, 0x0A]),
        ("CRLF NUL.CRLF", [0x0D, 0x0A, 0x00, 0x2E, 0x0D, 0x0A]),
        ("CRLF.CR CRLF", [0x0D, 0x0A, 0x2E, 0x0D, 0x0D, 0x0A]),
    ]
    static let smuggled = bytes("MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@target.example>\r\nDATA\r\nFrom: ceo@target.example\r\n\r\nsmuggled body\r\n")

    /// Full session bytes: honest headers, the smuggling sequence, the smuggled commands, then the
    /// real terminator and a QUIT that belongs to the next command.
    static func smugglingInput(_ seq: [UInt8]) -> [UInt8] {
        bytes("From: a@b.example\r\nSubject: hi\r\n\r\nbody") + seq + smuggled + bytes("\r\n.\r\nQUIT\r\n")
    }

    @Test func simpleMessage() {
        let r = decode(bytes("Subject: x\r\n\r\nHello\r\n.\r\n"))
        #expect(r == DecodeOutcome(output: bytes("Subject: x\r\n\r\nHello\r\n"), consumed: 24, failure: nil))
    }

    @Test func emptyMessageEndsAtFirstLine() {
        let r = decode(bytes(".\r\nMAIL FROM:<>\r\n"))
        #expect(r == DecodeOutcome(output: [], consumed: 3, failure: nil))
    }

    @Test func dotStuffingIsRemoved() {
        let r = decode(bytes("..leading\r\n...two\r\n..\r\nmid.dle.\r\n.\r\n"))
        #expect(r.output == bytes(".leading\r\n..two\r\n.\r\nmid.dle.\r\n"))
        #expect(r.failure == nil)
    }

    @Test func bytesAfterTerminatorAreNotConsumed() {
        let input = bytes("a\r\n.\r\nMAIL FROM:<x@y.z>\r\n")
        let r = decode(input)
        #expect(r.consumed == 6)
        #expect(Array(input[6...]) == bytes("MAIL FROM:<x@y.z>\r\n"))
    }

    @Test func incompleteInputNeedsMore() {
        for text in ["abc", "abc\r\n", "abc\r\n.", "abc\r\n.\r", ".", ".\r"] {
            let r = decode(bytes(text))
            #expect(r.consumed == nil, "\(text.debugDescription) must not end DATA")
        }
    }

    @Test func nulBytesAreData() {
        let r = decode([0x61, 0x00, 0x0D, 0x0A, 0x00, 0x2E, 0x0D, 0x0A, 0x2E, 0x0D, 0x0A])
        #expect(r.output == [0x61, 0x00, 0x0D, 0x0A, 0x00, 0x2E, 0x0D, 0x0A])
        #expect(r.consumed == 11)
    }

    @Test(arguments: DotDecoderTests.smugglingSequences.map(\.name))
    func smugglingIsRejected(name: String) throws {
        let seq = try #require(Self.smugglingSequences.first { $0.name == name }).bytes
        let input = Self.smugglingInput(seq)
        let quit = try #require(firstIndex(of: bytes("QUIT\r\n"), in: input))
        let r = decode(input, policy: .reject)
        // The only terminator is the real CRLF.CRLF just before QUIT.
        #expect(r.consumed == quit)
        if name == "CRLF NUL.CRLF" {
            // Only CRLF line ends: accepted, and the smuggled commands are plain body text.
            #expect(r.failure == nil)
            #expect(contains(r.output, Self.smuggled))
        } else {
            #expect(r.failure == .bareNewline)
            #expect(r.failure?.code == 550 && r.failure?.enhanced == "5.5.2")
        }
    }

    @Test(arguments: DotDecoderTests.smugglingSequences.map(\.name))
    func smugglingIsNormalizedIntoTheBody(name: String) throws {
        let seq = try #require(Self.smugglingSequences.first { $0.name == name }).bytes
        let input = Self.smugglingInput(seq)
        let quit = try #require(firstIndex(of: bytes("QUIT\r\n"), in: input))
        let r = decode(input, policy: .normalize)
        #expect(r.failure == nil)
        #expect(r.consumed == quit)
        #expect(contains(r.output, Self.smuggled), "smuggled commands stay inside the body")
        #expect(hasOnlyCRLF(r.output))
        #expect(r.output.suffix(17) == ArraySlice(bytes("smuggled body\r\n\r\n")))
        #expect(r == referenceDecode(input, policy: .normalize))
    }

    @Test func normalizedOutputIsExact() {
        #expect(decode(bytes("a\nb\rc\r\n.\r\n"), policy: .normalize).output == bytes("a\r\nb\r\nc\r\n"))
        // A dot after a bare LF is not at a real line start: it is kept, and it is not a terminator.
        #expect(decode(bytes("a\n.\nb\r\n.\r\n"), policy: .normalize).output == bytes("a\r\n.\r\nb\r\n"))
        // ".\r" then not LF at a real line start: the dot is stuffing, the CR is bare.
        #expect(decode(bytes("a\r\n.\rb\r\n.\r\n"), policy: .normalize).output == bytes("a\r\n\r\nb\r\n"))
        #expect(decode(bytes("a\r\n.\r\r\n.\r\n"), policy: .normalize).output == bytes("a\r\n\r\n\r\n"))
    }

    @Test func oversizeIsRefusedButConsumedToTheEnd() {
        let body = [UInt8](repeating: 0x61, count: 50) + bytes("\r\n")
        let input = body + body + body + bytes(".\r\nNOOP\r\n")
        let r = decode(input, maxSize: 100)
        #expect(r.failure == .messageTooBig)
        #expect(r.failure?.code == 552 && r.failure?.enhanced == "5.3.4")
        #expect(r.consumed == input.count - 6)
        #expect(r.output == Array((body + body).prefix(100)), "output is the first maxSize octets")
        #expect(decode(input, maxSize: 156).failure == nil)
        #expect(decode(input, maxSize: 155).failure == .messageTooBig)
    }

    @Test func longLineIsRefused() {
        let ok = [UInt8](repeating: 0x78, count: 998) + bytes("\r\n.\r\n")
        #expect(decode(ok).failure == nil)
        // The stuffing dot does not count.
        #expect(decode([0x2E] + ok).failure == nil)
        let long = [UInt8](repeating: 0x78, count: 999) + bytes("\r\n.\r\n")
        let r = decode(long)
        #expect(r.failure == .lineTooLong)
        #expect(r.failure?.code == 500 && r.failure?.enhanced == "5.5.2")
        #expect(r.consumed == long.count)
        #expect(r.output == [UInt8](repeating: 0x78, count: 998), "the line is cut at the limit")
        #expect(decode(long, maxLine: 999).failure == nil)
    }

    @Test func firstFailureWins() {
        let input = bytes("a\nb\r\n") + [UInt8](repeating: 0x78, count: 2000) + bytes("\r\n.\r\n")
        #expect(decode(input, policy: .reject).failure == .bareNewline)
    }

    @Test func countersReportWhatHappened() {
        var d = DotDecoder(bareNewline: .normalize)
        var out: [UInt8] = []
        let input = bytes("a\nb\rc\r\n..d\r\n.\r\nNOOP\r\n")
        #expect(d.feed(input) { out.append(contentsOf: $0) } == .end(consumed: 15))
        #expect(d.bareNewlines == 2)
        #expect(d.size == out.count && out == bytes("a\r\nb\r\nc\r\n.d\r\n"))
        #expect(d.consumedTotal == 15 && d.isFinished && d.failure == nil)
    }

    @Test func feedAfterEndConsumesNothing() {
        var d = DotDecoder()
        _ = d.feed(bytes(".\r\n")) { _ in }
        #expect(d.feed(bytes("more")) { _ in Issue.record("sink called after end") } == .end(consumed: 0))
    }

    @Test func randomSplitsGiveIdenticalResults() {
        var rng = SplitMix64(seed: 0x5EED_D07)
        var cases: [[UInt8]] = Self.smugglingSequences.map { Self.smugglingInput($0.bytes) }
        cases += [bytes("a\r\n..b\r\n.\r\n"), bytes(".\r\n"), bytes("x\r\n.\r\r\n.\r\n"),
                  bytes("\r\n.\r\n"), bytes("..\r\n.\r\n"), bytes("a\rb\nc\r\n.\r\nNOOP\r\n")]
        for input in cases {
            for policy in BareNewlinePolicy.allCases {
                let whole = decode(input, policy: policy)
                #expect(whole.consumed != nil)
                for _ in 0..<200 {
                    let splits = randomSplits(count: input.count, using: &rng)
                    let split = decode(input, splits: splits, policy: policy)
                    #expect(split == whole, "splits \(splits) policy \(policy)")
                    if split != whole { return }
                }
            }
        }
    }

    @Test func matchesReferenceOnRandomMessages() {
        var rng = SplitMix64(seed: 42)
        let alphabet: [UInt8] = [0x61, 0x62, 0x2E, 0x2E, 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x20, 0x4D]
        var compared = 0
        for round in 0..<1500 {
            let len = Int.random(in: 0..<80, using: &rng)
            var msg = (0..<len).map { _ in alphabet.randomElement(using: &rng)! }
            msg += bytes("\r\n.\r\n")
            let policy: BareNewlinePolicy = round % 2 == 0 ? .reject : .normalize
            let maxLine = Int.random(in: 3...40, using: &rng)
            let maxSize = Int.random(in: 20...120, using: &rng)
            let expected = referenceDecode(msg, policy: policy, maxSize: maxSize, maxLine: maxLine)
            let got = decode(msg, splits: randomSplits(count: msg.count, using: &rng), policy: policy,
                             maxSize: maxSize, maxLine: maxLine)
            #expect(got == expected, "\(msg) maxLine \(maxLine) maxSize \(maxSize)")
            compared += 1
        }
        #expect(compared == 1500)
    }
}

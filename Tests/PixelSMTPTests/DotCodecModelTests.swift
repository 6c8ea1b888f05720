// DotDecoder and DotEncoder against byte-at-a-time models: the codecs scan words and copy runs of
// whole lines, and these tests check that this never changes an output byte, a result, a failure
// or a counter. The models are the obvious RFC 5321 4.5.2 state machines, one octet per step,
// restating the two files' contracts (not their code). Inputs are dense in CR, LF, ".", CRLF.CRLF
// and its bare-newline look-alikes, with long lines and small limits, cut at random chunk
// boundaries; after every chunk the codec must agree with the model fed the same prefix.
import Testing
@testable import PixelSMTP

/// DotDecoder's contract, one octet at a time.
struct DotDecoderModel {
    enum State { case lineStart, dot, dotCR, inLine, cr }
    let maxSize: Int
    let maxLine: Int
    let policy: BareNewlinePolicy
    var state = State.lineStart
    var out: [UInt8] = []
    var failure: SMTPReply?
    var bareNewlines = 0
    var lineLength = 0
    /// Offset just past the terminator, once seen.
    var end: Int?
    var fed = 0

    mutating func fail(_ r: SMTPReply) { if failure == nil { failure = r } }

    mutating func put(_ b: UInt8) {
        guard failure == nil else { return }
        guard out.count < maxSize else { fail(.messageTooBig); return }
        out.append(b)
    }

    /// A bare CR (already written: it is only known to be bare at the next octet) or a bare LF.
    mutating func bare(cr: Bool) {
        bareNewlines += 1
        lineLength = 0
        if policy == .reject {
            fail(.bareNewline)
        } else {
            if !cr { put(0x0D) }
            put(0x0A)
        }
    }

    mutating func feed(_ c: UInt8) {
        guard end == nil else { return }
        fed += 1
        switch state {
        case .lineStart:
            if c == 0x2E { state = .dot } else { inLine(c) }
        case .dot:
            if c == 0x0D { state = .dotCR } else { inLine(c) }
        case .dotCR:
            if c == 0x0A { end = fed; return }
            put(0x0D)                                       // ".\r" then not LF: the CR is bare
            bare(cr: true)
            inLine(c)
        case .inLine:
            inLine(c)
        case .cr:
            if c == 0x0A {
                put(0x0A)
                lineLength = 0
                state = .lineStart
            } else {
                bare(cr: true)
                inLine(c)
            }
        }
    }

    private mutating func inLine(_ c: UInt8) {
        state = .inLine
        if c == 0x0D {
            put(0x0D)
            state = .cr
        } else if c == 0x0A {
            bare(cr: false)
        } else {
            lineLength += 1
            if lineLength > maxLine { fail(.lineTooLong) }
            put(c)
        }
    }
}

/// DotEncoder's contract, one octet at a time.
struct DotEncoderModel {
    var atLineStart = true
    var pendingCR = false
    var out: [UInt8] = []

    mutating func feed(_ c: UInt8) {
        if pendingCR {
            pendingCR = false
            if c == 0x0A { return }                         // the LF of a CRLF already written
        }
        if atLineStart {
            atLineStart = false
            if c == 0x2E { out.append(0x2E) }
        }
        if c == 0x0D || c == 0x0A {
            out += [0x0D, 0x0A]
            atLineStart = true
            pendingCR = c == 0x0D
        } else {
            out.append(c)
        }
    }

    mutating func finish() {
        if !atLineStart { out += [0x0D, 0x0A] }
        out += [0x2E, 0x0D, 0x0A]
        atLineStart = true
        pendingCR = false
    }
}

@Suite struct DotCodecModelTests {
    static let pieces: [[UInt8]] = [
        [0x0D, 0x0A], [0x0D, 0x0A], [0x0D, 0x0A], [0x0D], [0x0A], [0x2E], [0x2E, 0x2E], [0x00],
        [0x0D, 0x0A, 0x2E], [0x0D, 0x0A, 0x2E, 0x2E], [0x0D, 0x0A, 0x2E, 0x0D], [0x0D, 0x0A, 0x2E, 0x0D, 0x0D, 0x0A],
        [0x0A, 0x2E, 0x0A], [0x0A, 0x2E, 0x0D, 0x0A], [0x0D, 0x2E, 0x0D], [0x0D, 0x2E, 0x0A], [0x0D, 0x0D, 0x0A],
        [0x0D, 0x0A, 0x00, 0x2E, 0x0D, 0x0A], [0x2E, 0x0D, 0x0A], [0x2E, 0x0A],
    ]
    static let terminator: [UInt8] = [0x0D, 0x0A, 0x2E, 0x0D, 0x0A]

    /// Mostly plain text (short, 76-octet and over-long lines), spliced with line-end and dot
    /// pieces; usually CRLF.CRLF somewhere, sometimes several times, sometimes not at all.
    static func input(_ rng: inout SplitMix64) -> [UInt8] {
        let plain = Array("abcdefghij klmnop=3D ABC 0123456789 <p>.,;:/?&\t".utf8)
        var s: [UInt8] = []
        let parts = Int.random(in: 0...40, using: &rng)
        for _ in 0..<parts {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                let len = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 100...1100, using: &rng)
                    : Int.random(in: 0...80, using: &rng)
                s += (0..<len).map { _ in plain.randomElement(using: &rng)! }
            case 4...5:
                let len = Int.random(in: 60...80, using: &rng)
                s += (0..<len).map { _ in plain.randomElement(using: &rng)! } + [0x0D, 0x0A]
            case 6:
                if Int.random(in: 0..<4, using: &rng) == 0 { s += terminator }
            default:
                s += pieces.randomElement(using: &rng)!
            }
        }
        if Int.random(in: 0..<4, using: &rng) != 0 { s += terminator }
        if Int.random(in: 0..<3, using: &rng) == 0 { s += Array("MAIL FROM:<a@b.c>\r\n".utf8) }
        return s
    }

    static func limits(_ rng: inout SplitMix64) -> (size: Int, line: Int) {
        let size = [Int.random(in: 0...60, using: &rng), Int.random(in: 60...3000, using: &rng), 1 << 20]
            .randomElement(using: &rng)!
        let line = [Int.random(in: 1...12, using: &rng), Int.random(in: 12...120, using: &rng), 998]
            .randomElement(using: &rng)!
        return (size, line)
    }

    /// Splits for one input: random cuts, or every cut at one fixed width (1...17).
    static func splits(_ count: Int, _ rng: inout SplitMix64) -> [Int] {
        if Int.random(in: 0..<4, using: &rng) == 0 {
            let w = Int.random(in: 1...17, using: &rng)
            return Array(repeating: w, count: count / w) + (count % w > 0 ? [count % w] : [])
        }
        return randomSplits(count: count, using: &rng)
    }

    @Test func decoderMatchesModel() {
        var rng = SplitMix64(seed: 0x5321_0452)
        var ended = 0
        for round in 0..<4000 {
            let s = Self.input(&rng)
            let policy: BareNewlinePolicy = round % 2 == 0 ? .reject : .normalize
            let (maxSize, maxLine) = Self.limits(&rng)
            var model = DotDecoderModel(maxSize: maxSize, maxLine: maxLine, policy: policy)
            var d = DotDecoder(maxSize: maxSize, maxLineLength: maxLine, bareNewline: policy)
            var out: [UInt8] = []
            var checked = 0                                 // out[..<checked] already compared
            var offset = 0
            var lengths = Self.splits(s.count, &rng)
            if lengths.isEmpty { lengths = [0] }
            for len in lengths {
                let r = s[offset..<(offset + len)].withUnsafeBytes { d.feed($0) { out.append(contentsOf: $0) } }
                let wasEnded = model.end != nil
                for c in s[offset..<(offset + len)] { model.feed(c) }
                let expected: DotResult = wasEnded ? .end(consumed: 0)
                    : model.end.map { .end(consumed: $0 - offset) } ?? .needMore
                offset += len
                let same = r == expected && out[checked...] == model.out[min(checked, model.out.count)...] && d.failure == model.failure
                    && d.size == model.out.count && d.bareNewlines == model.bareNewlines
                    && d.isFinished == (model.end != nil) && d.consumedTotal == (model.end ?? model.fed)
                #expect(same, "round \(round) \(policy) maxSize \(maxSize) maxLine \(maxLine) after \(offset): \(r) vs \(expected), failure \(String(describing: d.failure)) vs \(String(describing: model.failure)), input \(s), splits \(lengths)")
                if !same { return }
                checked = out.count
            }
            if model.end != nil { ended += 1 }
        }
        #expect(ended > 2000)
    }

    @Test func encoderMatchesModel() {
        var rng = SplitMix64(seed: 0x5321_0452_E)
        for round in 0..<3000 {
            var e = DotEncoder()
            var model = DotEncoderModel()
            var out: [UInt8] = Int.random(in: 0..<3, using: &rng) == 0 ? Array("DATA\r\n".utf8) : []
            model.out = out
            var checked = 0                                 // out[..<checked] already compared
            func same(_ what: @autoclosure () -> String) -> Bool {
                defer { checked = out.count }
                let ok = out[checked...] == model.out[min(checked, model.out.count)...]
                if !ok { Issue.record("round \(round) \(what())") }
                return ok
            }
            // One to three messages through the same encoder (it is reusable after finish).
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let s = Self.input(&rng)
                var offset = 0
                for len in Self.splits(s.count, &rng) {
                    s[offset..<(offset + len)].withUnsafeBytes { e.encode($0, into: &out) }
                    for c in s[offset..<(offset + len)] { model.feed(c) }
                    offset += len
                    if !same("after \(offset): input \(s)") { return }
                }
                e.finish(into: &out)
                model.finish()
                if !same("finish: input \(s)") { return }
            }
        }
    }
}

// FuzzDot: libFuzzer target for PixelSMTP's dot codec (DotDecoder, DotEncoder), run by `scripts/fuzz dot N`.
// Each input is checked against an independent byte-at-a-time reference model of RFC 5321 4.5.2
// (written here, not shared with the decoder), trapping on any difference:
// - end of DATA: the decoder ends exactly where the model's first real CRLF "." CRLF (or a leading
//   "." CRLF) ends, and never at a bare-CR/LF variant ("\n.\n", "\r.\r", "\r\n.\r", ...);
// - random splits: several chunkings (whole, 1 byte, and sizes drawn from the input) give the same
//   output, the same end offset and the same failure, in both bare_newline policies;
// - output: under `normalize` (no limit hit) it equals the model's unstuffed, CRLF-normalised bytes
//   and holds no bare CR or LF; under `reject` a bare CR/LF before the end always records 550 5.5.2;
// - encoder: decode(encode(x)) == x with bare CR/LF normalised and a final CRLF; the wire has no
//   bare CR/LF and no premature terminator, whatever the split of x across encode() calls.
// Without -DFUZZING the executable replays files given as arguments through the same checks.
import PixelSMTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    DotHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

enum DotHarness {
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant violated: \(message())") }
    }

    static func run(_ input: [UInt8]) {
        for policy in BareNewlinePolicy.allCases {
            decodeChecks(input, policy: policy)
        }
        encodeChecks(input)
    }

    // MARK: reference model

    struct Model {
        /// Offset just past the terminator, nil when there is none.
        var end: Int?
        /// Unstuffed content before the terminator, bare CR/LF normalised to CRLF.
        var normalized: [UInt8]
        /// Bare CR or LF seen before the terminator.
        var bare: Bool
    }

    /// The first real terminator: "." CRLF at offset 0, else CRLF "." CRLF; a line start is only
    /// offset 0 or the byte after a real CRLF.
    static func model(_ b: [UInt8]) -> Model {
        var out: [UInt8] = []
        var bare = false
        var i = 0
        var lineStart = true
        while i < b.count {
            if lineStart && b[i] == 0x2E {
                if i + 2 < b.count + 0 && b[i + 1] == 0x0D && b[i + 2] == 0x0A {
                    return Model(end: i + 3, normalized: out, bare: bare)
                }
                if i + 2 == b.count && i + 1 < b.count && b[i + 1] == 0x0D { break }   // ".\r" then EOF
                i += 1                     // stuffed dot: dropped
                lineStart = false
                continue
            }
            let c = b[i]
            if c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A {
                out += [0x0D, 0x0A]
                i += 2
                lineStart = true
                continue
            }
            if c == 0x0D && i + 1 == b.count { break }     // a CR whose fate the next byte decides
            if c == 0x0D || c == 0x0A {
                bare = true
                out += [0x0D, 0x0A]
            } else {
                out.append(c)
            }
            lineStart = false
            i += 1
        }
        return Model(end: nil, normalized: out, bare: bare)
    }

    // MARK: decoder

    struct Decoded: Equatable {
        var out: [UInt8]
        var end: Int?
        var failure: SMTPReply?
    }

    static func decode(_ input: [UInt8], chunks: [Int], policy: BareNewlinePolicy, maxSize: Int, maxLine: Int) -> Decoded {
        var d = DotDecoder(maxSize: maxSize, maxLineLength: maxLine, bareNewline: policy)
        var out: [UInt8] = []
        var offset = 0
        var k = 0
        while offset < input.count {
            let len = max(1, chunks.isEmpty ? input.count : chunks[k % chunks.count])
            k += 1
            let stop = min(input.count, offset + len)
            let r = input[offset..<stop].withUnsafeBytes { d.feed($0) { out.append(contentsOf: $0) } }
            if case .end(let consumed) = r {
                check(consumed >= 1 && consumed <= stop - offset, "consumed \(consumed) of \(stop - offset)")
                check(d.isFinished, "ended but not finished")
                return Decoded(out: out, end: offset + consumed, failure: d.failure)
            }
            check(!d.isFinished, "finished without .end")
            offset = stop
        }
        return Decoded(out: out, end: nil, failure: d.failure)
    }

    static func decodeChecks(_ input: [UInt8], policy: BareNewlinePolicy) {
        let m = model(input)
        let drawn = input.prefix(8).map { Int($0 % 17) + 1 }
        let unlimited = decode(input, chunks: [], policy: policy, maxSize: 1 << 24, maxLine: 1 << 24)
        let splits: [[Int]] = input.count <= 256 ? [[1], drawn, [3, 1, 7]] : [drawn]
        for chunks in splits {
            let other = decode(input, chunks: chunks, policy: policy, maxSize: 1 << 24, maxLine: 1 << 24)
            check(other == unlimited, "split \(chunks) changed the result (\(policy))")
        }
        check(unlimited.end == m.end, "end \(String(describing: unlimited.end)) but model says \(String(describing: m.end)) (\(policy))")
        if m.end != nil {
            switch policy {
            case .normalize:
                check(unlimited.failure == nil, "normalize refused: \(String(describing: unlimited.failure))")
                check(unlimited.out == m.normalized, "normalized output differs from the model")
                check(onlyCRLF(unlimited.out), "normalized output has a bare CR or LF")
            case .reject:
                if m.bare {
                    check(unlimited.failure?.code == 550, "bare CR/LF not refused: \(String(describing: unlimited.failure))")
                } else {
                    check(unlimited.failure == nil && unlimited.out == m.normalized, "clean message changed or refused")
                }
            }
        }
        // Small limits: the same for every split, and a hit is a 5xx.
        let maxLine = Int(input.first ?? 0) % 40 + 1
        let maxSize = Int(input.last ?? 0) % 200 + 1
        let a = decode(input, chunks: [], policy: policy, maxSize: maxSize, maxLine: maxLine)
        let b = decode(input, chunks: drawn, policy: policy, maxSize: maxSize, maxLine: maxLine)
        check(a == b, "split changed the result under limits")
        check(a.end == m.end, "limits moved the end of DATA")
        if let f = a.failure { check(f.code >= 500 && f.code < 600, "limit reply \(f)") }
        check(a.out.count <= maxSize, "wrote more than maxSize")
    }

    // MARK: encoder

    static func encodeChecks(_ input: [UInt8]) {
        var encoder = DotEncoder()
        var wire: [UInt8] = []
        var offset = 0
        var k = 0
        let sizes = input.suffix(4).map { Int($0 % 11) + 1 }
        while offset < input.count {
            let len = sizes.isEmpty ? input.count : sizes[k % sizes.count]
            k += 1
            let stop = min(input.count, offset + len)
            encoder.encode(Array(input[offset..<stop]), into: &wire)
            offset = stop
        }
        encoder.finish(into: &wire)
        check(onlyCRLF(wire), "encoder produced a bare CR or LF")
        let m = model(wire)
        check(m.end == wire.count, "encoded message ends at \(String(describing: m.end)), not at its last byte \(wire.count)")
        for policy in BareNewlinePolicy.allCases {
            let d = decode(wire, chunks: [5, 2], policy: policy, maxSize: 1 << 24, maxLine: 1 << 24)
            check(d.failure == nil && d.end == wire.count, "decoder refused or cut encoder output")
            check(d.out == normalized(input), "decode(encode(x)) != normalized x")
        }
    }

    static func onlyCRLF(_ b: [UInt8]) -> Bool {
        for (i, c) in b.enumerated() {
            if c == 0x0D && (i + 1 >= b.count || b[i + 1] != 0x0A) { return false }
            if c == 0x0A && (i == 0 || b[i - 1] != 0x0D) { return false }
        }
        return true
    }

    static func normalized(_ m: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < m.count {
            let c = m[i]
            if c == 0x0D || c == 0x0A {
                out += [0x0D, 0x0A]
                i += (c == 0x0D && i + 1 < m.count && m[i + 1] == 0x0A) ? 2 : 1
            } else {
                out.append(c)
                i += 1
            }
        }
        if !out.isEmpty && out.suffix(2) != [0x0D, 0x0A] { out += [0x0D, 0x0A] }
        return out
    }
}

#if !FUZZING
import Foundation

@main struct FuzzDotMain {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: fuzz-dot FILE... (replays inputs; build with -DFUZZING for libFuzzer, see scripts/fuzz)")
            return
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            DotHarness.run([UInt8](data))
            print("ok \(path)")
        }
    }
}
#endif

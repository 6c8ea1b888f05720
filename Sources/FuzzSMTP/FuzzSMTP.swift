// FuzzSMTP: libFuzzer target for PixelSMTP's parsers (build and run commands in README "Fuzzing").
// Each input goes through four harnesses, and each checks invariants, trapping on a violation:
// - command lines (LineFramer + SMTPCommandParser): a parsed MAIL/RCPT re-emitted with
//   `commandLine(for:)` parses back to the same value; refusals are 4xx/5xx replies;
// - ReplyParser: every reply re-encoded and parsed again is equal (when its text is printable);
// - DotDecoder: two different chunk splits give the same output and the same end offset;
// - DotEncoder -> DotDecoder: decode(encode(x)) == x with bare CR/LF normalised and a final CRLF.
// Without -DFUZZING the executable replays files given as arguments (reproducers) through the
// same checks, so a crash found by the fuzzer can be debugged in a normal build.
// Build:  swift build -c debug --product fuzz-smtp --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address \
//           -Xswiftc -DFUZZING --scratch-path .build-fuzz
// Run:    SWIFT_BACKTRACE=enable=no .build-fuzz/debug/fuzz-smtp -runs=1000000 [CORPUS_DIR]
import PixelSMTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    FuzzHarness.run(input)
    return 0
}

enum FuzzHarness {
    static func run(_ input: [UInt8]) {
        commands(input)
        replies(input)
        dotDecoder(input)
        dotRoundTrip(input)
    }

    static let fullPeer: PeerCapabilities = {
        var p = PeerCapabilities()
        p.size = 0
        p.eightBitMIME = true
        p.smtputf8 = true
        p.dsn = true
        p.binaryMIME = true
        p.chunking = true
        return p
    }()

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant violated: \(message())") }
    }

    static func commands(_ input: [UInt8]) {
        var framer = LineFramer(maxLength: 512)
        framer.append(input)
        while let result = framer.nextLine() {
            guard case .line(let line) = result else { continue }
            check(line.count <= 512, "framed line longer than the limit")
            switch SMTPCommandParser.parse(line) {
            case .failure(let e):
                check(e.reply.code >= 400 && e.reply.code < 600, "refusal \(e.reply)")
            case .success(.mail(let m)):
                var expected = m
                expected.auth = nil
                let again = SMTPCommandParser.parse(Array(m.commandLine(for: fullPeer).utf8))
                check(again == .success(.mail(expected)), "MAIL round trip \(m) -> \(again)")
            case .success(.rcpt(let r)):
                let again = SMTPCommandParser.parse(Array(r.commandLine(for: fullPeer).utf8))
                check(again == .success(.rcpt(r)), "RCPT round trip \(r) -> \(again)")
            case .success(.xforward(let attrs)):
                let line = "XFORWARD " + attrs.map { $0.encoded() }.joined(separator: " ")
                check(SMTPCommandParser.parse(Array(line.utf8)) == .success(.xforward(attrs)), "XFORWARD round trip")
            case .success:
                break
            }
        }
    }

    static func replies(_ input: [UInt8]) {
        var parser = ReplyParser(maxLineLength: 1024, maxLines: 50)
        parser.append(input)
        while true {
            let reply: SMTPReply?
            do throws(SMTPError) {
                reply = try parser.next()
            } catch {
                check(error.reply.code == 451, "reply parser error \(error)")
                return
            }
            guard let reply else { return }
            check(reply.code >= 200 && reply.code < 600, "code \(reply.code)")
            let printable = reply.lines.allSatisfy { line in
                !line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0xFFFD }
            }
            guard printable else { continue }
            var again = ReplyParser(maxLineLength: 1 << 20, maxLines: 1 << 20)
            again.append(reply.encoded())
            let reparsed = try? again.next()
            check(reparsed == reply, "reply round trip \(reply) -> \(String(describing: reparsed))")
        }
    }

    /// Decodes with the given chunk length; returns output, end offset and failure.
    static func decode(_ input: [UInt8], chunk: Int, policy: BareNewlinePolicy) -> ([UInt8], Int?, SMTPReply?) {
        var d = DotDecoder(maxSize: 1 << 20, maxLineLength: 200, bareNewline: policy)
        var out: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            let r = input[offset..<end].withUnsafeBytes { d.feed($0) { out.append(contentsOf: $0) } }
            if case .end(let consumed) = r {
                check(consumed <= end - offset, "consumed more than fed")
                return (out, offset + consumed, d.failure)
            }
            offset = end
        }
        return (out, nil, d.failure)
    }

    static func dotDecoder(_ input: [UInt8]) {
        let policy: BareNewlinePolicy = (input.first ?? 0) & 1 == 0 ? .reject : .normalize
        let split = Int(input.last ?? 1) % 7 + 1
        let whole = decode(input, chunk: max(1, input.count), policy: policy)
        let pieces = decode(input, chunk: split, policy: policy)
        check(whole.0 == pieces.0 && whole.1 == pieces.1 && whole.2 == pieces.2, "split \(split) changed the result")
        if let end = whole.1 {
            check(end >= 3 && input[end - 3] == 0x2E && input[end - 2] == 0x0D && input[end - 1] == 0x0A, "end not at .CRLF")
            check(end == 3 || (input[end - 5] == 0x0D && input[end - 4] == 0x0A), "end not after CRLF")
        }
        if policy == .normalize && whole.2 == nil && whole.1 != nil {
            check(onlyCRLF(whole.0), "normalized output has a bare CR or LF")
        }
    }

    static func dotRoundTrip(_ input: [UInt8]) {
        var encoder = DotEncoder()
        var wire: [UInt8] = []
        let cut = input.isEmpty ? 0 : Int(input[0]) % input.count
        encoder.encode(Array(input[..<cut]), into: &wire)
        encoder.encode(Array(input[cut...]), into: &wire)
        encoder.finish(into: &wire)
        check(onlyCRLF(wire), "encoder produced a bare CR or LF")
        let (out, end, failure) = decode(wire, chunk: 13, policy: .reject)
        var d = DotDecoder(maxSize: Int.max, maxLineLength: Int.max, bareNewline: .reject)
        var full: [UInt8] = []
        let r = d.feed(wire) { full.append(contentsOf: $0) }
        check(r == .end(consumed: wire.count), "encoded message must end exactly at its terminator")
        check(d.failure == nil, "decoder refused encoder output")
        check(full == normalized(input), "decode(encode(x)) != normalized x")
        if failure == nil { check(out == full && end == wire.count, "chunked decode differs") }
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
        out.reserveCapacity(m.count + 2)
        var i = 0
        while i < m.count {
            let c = m[i]
            if c == 0x0D || c == 0x0A {
                out.append(0x0D)
                out.append(0x0A)
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

@main struct FuzzSMTPMain {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: fuzz-smtp FILE... (replays inputs; build with -DFUZZING for libFuzzer, see README \"Fuzzing\")")
            return
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                continue
            }
            FuzzHarness.run([UInt8](data))
            print("ok \(path)")
        }
    }
}
#endif

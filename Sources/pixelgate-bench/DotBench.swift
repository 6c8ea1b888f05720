// DotBench: `pixelgate-bench dot [FILE...] [--size BYTES] [--chunk BYTES] [--seconds S]` times
// PixelSMTP's DATA codecs: DotEncoder (dot-stuffing, CRLF) on each message and DotDecoder (reader,
// .reject) on the encoded wire, each fed in chunks of `--chunk` bytes (default 64 KB, as the relay
// reads and sends). Without FILE a generated message of `--size` bytes (default 50 KB) is used:
// headers, then quoted-printable lines of 76 octets with a few leading dots. Single-threaded, CPU
// time of this thread, several rounds; the median round is printed as
// `<name>: dot encode: <N> ns/byte (<M> MB/s)` and the same for decode. Run in a release build.
// `--iterations N` instead runs exactly N encodes and N decodes, untimed (for callgrind).
import Foundation
import PixelSMTP

enum DotBench {
    static let rounds = 7

    static func run(_ args: [String]) {
        var size = 50 * 1024
        var chunk = 64 * 1024
        var seconds = 0.3
        var iterations: Int?
        var files: [String] = []
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--size" where i + 1 < args.count: size = Int(args[i + 1]) ?? size; i += 1
            case "--chunk" where i + 1 < args.count: chunk = max(1, Int(args[i + 1]) ?? chunk); i += 1
            case "--iterations" where i + 1 < args.count: iterations = Int(args[i + 1]); i += 1
            case "--seconds" where i + 1 < args.count: seconds = Double(args[i + 1]) ?? seconds; i += 1
            case let a where !a.hasPrefix("-"): files.append(a)
            default:
                FileHandle.standardError.write(Data("usage: pixelgate-bench dot [FILE...] [--size BYTES] [--chunk BYTES] [--seconds S]\n".utf8))
                exit(2)
            }
            i += 1
        }
        var inputs: [(String, [UInt8])] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("bench: cannot read \(path)\n".utf8))
                continue
            }
            inputs.append(((path as NSString).lastPathComponent, [UInt8](data)))
        }
        if files.isEmpty { inputs.append(("generated-qp-\(size)", generated(size: size))) }
        for (name, message) in inputs {
            var wire: [UInt8] = []
            var encoder = DotEncoder()
            encodeChunked(&encoder, message, chunk: chunk, into: &wire)
            encoder.finish(into: &wire)
            if let iterations {
                var check = 0
                for _ in 0..<iterations { check &+= encodeOnce(message, chunk: chunk) }
                for _ in 0..<iterations { check &+= decodeOnce(wire, chunk: chunk) }
                print("\(name): \(iterations) encodes of \(message.count) bytes, \(iterations) decodes of \(wire.count) bytes (check \(check & 1))")
                continue
            }
            let enc = median(seconds) { encodeOnce(message, chunk: chunk) }
            let dec = median(seconds) { decodeOnce(wire, chunk: chunk) }
            print("\(name): dot encode: \(format(enc * 1e9 / Double(message.count))) ns/byte (\(format(Double(message.count) / enc / 1e6)) MB/s, \(message.count) bytes)")
            print("\(name): dot decode: \(format(dec * 1e9 / Double(wire.count))) ns/byte (\(format(Double(wire.count) / dec / 1e6)) MB/s, \(wire.count) bytes)")
        }
    }

    static func encodeOnce(_ message: [UInt8], chunk: Int) -> Int {
        var out: [UInt8] = []
        var e = DotEncoder()
        encodeChunked(&e, message, chunk: chunk, into: &out)
        e.finish(into: &out)
        return out.count
    }

    static func decodeOnce(_ wire: [UInt8], chunk: Int) -> Int {
        var d = DotDecoder(maxSize: Int.max, bareNewline: .reject)
        var total = 0
        var off = 0
        wire.withUnsafeBytes { buf in
            while off < buf.count {
                let n = min(chunk, buf.count - off)
                let r = d.feed(UnsafeRawBufferPointer(rebasing: buf[off..<(off + n)])) { total &+= $0.count }
                off += n
                if r != .needMore { break }
            }
        }
        return total
    }

    static func encodeChunked(_ e: inout DotEncoder, _ message: [UInt8], chunk: Int, into out: inout [UInt8]) {
        message.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = min(chunk, buf.count - off)
                e.encode(UnsafeRawBufferPointer(rebasing: buf[off..<(off + n)]), into: &out)
                off += n
            }
        }
    }

    /// Median over `rounds` of the CPU seconds per call of `body`, each round at least `seconds` long.
    static func median(_ seconds: Double, _ body: () -> Int) -> Double {
        var check = 0
        let m = medianCPUSecondsPerCall(rounds: rounds, seconds: seconds, check: &check, body)
        if check == 42 { print("") }   // keeps the work observable
        return m
    }

    /// Headers, then quoted-printable-looking lines of 76 octets (75 + soft break "="), every 40th
    /// starting with ".", CRLF line ends.
    static func generated(size: Int) -> [UInt8] {
        var out = Array("From: news@example.org\r\nTo: bench@example.org\r\nSubject: dot bench\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
        let words = Array("<p>members asparagus meeting agenda motions produce opening hours farm week local shop news =C3=A9 </p>".utf8)
        var line = 0
        var w = 0
        while out.count < size {
            var l: [UInt8] = line % 40 == 39 ? [0x2E] : []
            while l.count < 75 { l.append(words[w % words.count]); w += 1 }
            l.append(0x3D)
            out += l + [0x0D, 0x0A]
            line += 1
        }
        return out
    }

    static func format(_ v: Double) -> String { String(format: "%.3f", v) }
}

// FuzzHTTP: libFuzzer target for PixelWeb's HTTP/1.1 request reader (the web server is the
// project's own, so its parser is fuzzed like the SMTP and MIME ones). Build and run with
// `scripts/fuzz http SECONDS`.
// Each input is read as a stream of pipelined requests, twice: once in one piece and once in a
// split derived from the input itself. The checks, trapping on a violation:
// - the reader ends with a typed RequestError (never a crash, never a hang: the stream ends);
// - both splits give the same requests and the same final error (chunk-boundary independence);
// - every request honours the limits (body <= max_body) and has an origin-form target;
// - the number of requests is bounded by the input size.
// Without -DFUZZING the executable replays the files given as arguments through the same checks.
import Foundation
import PixelNet
import PixelWeb

/// A ByteStream over an in-memory input, handed out in the given chunk sizes, then end of stream.
final class MemoryStream: ByteStream, @unchecked Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    private var splits: [Int]

    init(_ bytes: [UInt8], splits: [Int]) {
        self.bytes = bytes
        self.splits = splits
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int {
        guard offset < bytes.count else { return 0 }
        var n = splits.isEmpty ? bytes.count - offset : max(1, splits.removeFirst())
        n = min(n, buffer.count, bytes.count - offset)
        for i in 0..<n { buffer[i] = bytes[offset + i] }
        offset += n
        return n
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(NetError) {}
    func close() {}
    var isEncrypted: Bool { false }
    var peer: SocketAddress { SocketAddress(host: "192.0.2.1", port: 1, isIPv6: false) }
}

enum FuzzHarness {
    static let limits: RequestLimits = {
        var l = RequestLimits()
        l.maxRequestLine = 256
        l.maxHeaderBytes = 512
        l.maxBody = 128
        l.readTimeout = 1
        l.keepaliveTimeout = 1
        return l
    }()

    struct Seen: Equatable {
        var method: String
        var target: String
        var headers: [String: String]
        var body: [UInt8]
    }

    static func readAll(_ input: [UInt8], splits: [Int]) -> ([Seen], RequestError) {
        let reader = RequestReader(stream: MemoryStream(input, splits: splits), limits: limits)
        var out: [Seen] = []
        while true {
            do {
                let r = try reader.next(peerIP: "192.0.2.1", idle: 1)
                precondition(r.target.hasPrefix("/"), "target not origin-form")
                precondition(r.body.count <= limits.maxBody, "body over max_body")
                precondition(out.count <= input.count, "more requests than input bytes")
                out.append(Seen(method: r.method, target: r.target, headers: r.headers, body: r.body))
            } catch {
                return (out, error)
            }
        }
    }

    static func run(_ input: [UInt8]) {
        let whole = readAll(input, splits: [])
        // A split schedule taken from the input's own bytes: 1...16-byte reads.
        let splits = input.prefix(64).map { Int($0 & 15) + 1 }
        let pieces = readAll(input, splits: splits + Array(repeating: 7, count: input.count))
        precondition(whole.0 == pieces.0, "requests depend on how the input was split")
        precondition(whole.1 == pieces.1 || sameClass(whole.1, pieces.1), "final error depends on the split: \(whole.1) vs \(pieces.1)")
    }

    /// Limit errors may be noticed at a different point depending on the split (a line over the
    /// limit is seen before or after its end arrives), but the answer's status class is the same.
    static func sameClass(_ a: RequestError, _ b: RequestError) -> Bool {
        let limitish: Set<Int> = [414, 431]
        return limitish.contains(a.status.rawValue) && limitish.contains(b.status.rawValue)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
@main struct FuzzHTTPMain {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: fuzz-http FILE... (replays inputs; build with -DFUZZING for libFuzzer, see scripts/fuzz)")
            return
        }
        for path in files {
            guard let d = FileManager.default.contents(atPath: path) else {
                print("fuzz-http: cannot read \(path)")
                exit(66)
            }
            FuzzHarness.run(Array(d))
            print("ok \(path)")
        }
    }
}
#endif

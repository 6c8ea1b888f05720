// MIMEBench: whole-engine throughput on messages (`pixelgate-bench mime FILE.eml...`): analyse
// (MIME parse, decode, HTML scan, classify) + decide for a recipient without consent + render (the
// chunks materialised into bytes), single-threaded. Each file is run for at least `seconds` in
// several rounds (CPU time of this thread); the median round's MB/s is printed as `<file>: mime: <N> MB/s`, then
// `total: mime: <N> MB/s` over all files (total bytes / total median time). Run in a release build.
import Foundation
import PixelEngine
import PixelHTML
import PixelMIME
import PixelPolicy

enum MIMEBench {
    static let rounds = 5
    static let secondsPerRound = 0.3

    static func run(_ args: [String]) {
        let files = args.filter { !$0.hasPrefix("-") }
        guard !files.isEmpty else {
            FileHandle.standardError.write(Data("usage: pixelgate-bench mime FILE.eml...\n".utf8))
            exit(2)
        }
        let engine: Engine
        do {
            let ring = try TokenKeyring(current: TokenKey(id: 1, bytes: [UInt8](repeating: 42, count: 32)))
            engine = Engine(settings: EngineSettings(), keyring: ring, campaigns: MemoryCampaignRegistry(),
                            classifier: TrackerClassifier(signatures: .default, rules: []))
        } catch {
            FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
            exit(1)
        }
        var totalBytes = 0.0
        var totalSeconds = 0.0
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("bench: cannot read \(path)\n".utf8))
                continue
            }
            let bytes = [UInt8](data)
            var sink = 0
            // This thread's CPU time (as HTMLBench), so that a loaded machine does not distort it.
            let median = medianCPUSecondsPerCall(rounds: rounds, seconds: secondsPerRound, check: &sink) { once(engine, bytes) }
            totalBytes += Double(bytes.count)
            totalSeconds += median
            print("\((path as NSString).lastPathComponent): mime: \(format(Double(bytes.count) / median / 1e6)) MB/s (\(bytes.count) bytes, check \(sink & 1))")
        }
        if totalSeconds > 0 { print("total: mime: \(format(totalBytes / totalSeconds / 1e6)) MB/s") }
    }

    /// One message through the engine; returns the output size so the work cannot be optimised away.
    static func once(_ engine: Engine, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { buf in
            guard let a = try? engine.analyse(buf, recipients: ["bench@example.org"]) else { return 0 }
            let d = engine.decide(a, recipient: "bench@example.org", profile: .none)
            guard let chunks = try? engine.render(a, message: buf, recipient: "bench@example.org", decision: d) else { return 0 }
            var out: [UInt8] = []
            out.reserveCapacity(buf.count)
            for c in chunks {
                switch c {
                case .original(let r): out.append(contentsOf: buf[r])
                case .bytes(let b): out.append(contentsOf: b)
                }
            }
            return out.count
        }
    }

    static func format(_ v: Double) -> String { String(format: "%.1f", v) }
}

// StoreBench: consent lookups per second for SQLite and PostgreSQL, from 1 thread and from 16.
//   pixelgate-bench store [--subjects 1000000] [--pg CONNINFO] [--seconds 5] [--dir DIR] [--threads 1,16] [--verify]
// Loads N subjects (one grant each, purposes in rotation) through the store's own bulk path:
// SQLite in transactions of `batch` events with one prepared insert, PostgreSQL through COPY, in
// batches; then runs `profile(for:at:)` on random subjects for `--seconds` per thread count and
// checks every answer (a wrong answer is counted and reported, so speed cannot come from a bug).
// `--verify` also times a full chain verification.
// PostgreSQL runs when --pg or PIXELGATE_TEST_PG is given; its database must be empty (the bench
// drops and recreates nothing itself). Not a timed test: run it from a release build.
import Foundation
import PixelPolicy
import PixelStore

enum StoreBench {
    struct Settings {
        var subjects = 1_000_000
        var seconds = 5.0
        var pg: String? = ProcessInfo.processInfo.environment["PIXELGATE_TEST_PG"].flatMap { $0.isEmpty ? nil : $0 }
        var dir: String?
        var threads = [1, 16]
        var batch = 50_000
        var verify = false
    }

    static func run(_ args: [String]) {
        var s = Settings()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { usage("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--subjects": s.subjects = Int(value()) ?? { usage("--subjects must be a number") }()
            case "--seconds": s.seconds = Double(value()) ?? { usage("--seconds must be a number") }()
            case "--pg": s.pg = value()
            case "--dir": s.dir = value()
            case "--batch": s.batch = max(1, Int(value()) ?? { usage("--batch must be a number") }())
            case "--verify": s.verify = true
            case "--threads": s.threads = value().split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            default: usage("unknown argument \(args[i])")
            }
            i += 1
        }
        guard s.subjects > 0, !s.threads.isEmpty else { usage("nothing to do") }
        do {
            let dir = s.dir ?? NSTemporaryDirectory() + "pixelgate-store-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { if s.dir == nil { try? FileManager.default.removeItem(atPath: dir) } }
            var opts = StoreOptions()
            opts.poolSize = s.threads.max() ?? 16
            opts.timeout = 10
            opts.bulkTimeout = 3600
            let sqlite = try SQLiteConsentStore(path: dir + "/bench.sqlite", options: opts)
            try bench("sqlite", sqlite, s)
            sqlite.close()
            if let pg = s.pg {
                let store = try PostgresConsentStore(conninfo: pg, options: opts)
                try bench("postgres", store, s)
                store.close()
            } else {
                print("postgres: skipped (no --pg and no PIXELGATE_TEST_PG)")
            }
        } catch {
            FileHandle.standardError.write(Data("store bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func usage(_ why: String) -> Never {
        FileHandle.standardError.write(Data("store bench: \(why)\nusage: pixelgate-bench store [--subjects N] [--pg CONNINFO] [--seconds S] [--dir DIR] [--threads 1,16] [--batch N] [--verify]\n".utf8))
        exit(2)
    }

    static func address(_ i: Int) -> String { "subscriber\(i)@bench\(i % 97).example" }
    static func purpose(_ i: Int) -> Purpose { Purpose.consentable[i % 5] }

    static func bench(_ name: String, _ store: any ConsentStore, _ s: Settings) throws {
        let existing = try store.profile(for: address(0), at: Date())
        if existing.hasExpressedChoice {
            print("\(name): reusing the subjects already loaded")
        } else {
            let t0 = Date()
            let at = Date(timeIntervalSince1970: 1_780_000_000)
            var start = 0
            while start < s.subjects {
                let end = min(s.subjects, start + s.batch)
                let inputs = (start..<end).map {
                    ConsentEventInput(address: address($0), purpose: purpose($0).id, action: .grant, at: at, source: "bench", evidence: "{\"form\":\"bench\"}")
                }
                try store.record(events: inputs)
                start = end
            }
            let dt = Date().timeIntervalSince(t0)
            print(String(format: "%@: loaded %d subjects in %.1f s (%.0f events/s)", name, s.subjects, dt, Double(s.subjects) / dt))
        }
        if s.verify {
            let t0 = Date()
            let result = try store.verify()
            print(String(format: "%@: verify: %@ in %.1f s", name, result.description, Date().timeIntervalSince(t0)))
        }
        breakdown(name, store)
        for threads in s.threads {
            let (count, wrong, errors, dt) = measure(store, subjects: s.subjects, threads: threads, seconds: s.seconds)
            print(String(format: "%@: %2d thread%@: %.0f lookups/s (%d lookups in %.2f s, %d wrong, %d errors)",
                         name, threads, threads == 1 ? " " : "s", Double(count) / dt, count, dt, wrong, errors))
        }
    }

    /// Per-call cost of the parts of a lookup, single thread: normalisation alone, then the whole lookup.
    static func breakdown(_ name: String, _ store: any ConsentStore) {
        let n = 200_000
        let addrs = (0..<1000).map { address($0) }
        let normalizer = AddressNormalizer()
        var t0 = DispatchTime.now().uptimeNanoseconds
        var sink = 0
        for i in 0..<n { sink &+= ((try? normalizer.normalize(addrs[i % 1000])) ?? "").utf8.count }
        let norm = Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n)
        t0 = DispatchTime.now().uptimeNanoseconds
        let now = Date()
        for i in 0..<(n / 10) { sink &+= ((try? store.profile(for: addrs[i % 1000], at: now))?.granted.count ?? 0) }
        let lookup = Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n / 10)
        print(String(format: "%@: per call: normalise %.2f µs, lookup %.2f µs (%d)", name, norm / 1000, lookup / 1000, sink % 2))
    }

    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var count = 0, wrong = 0, errors = 0
        func add(_ c: Int, _ w: Int, _ e: Int) { lock.lock(); count += c; wrong += w; errors += e; lock.unlock() }
    }

    static func measure(_ store: any ConsentStore, subjects: Int, threads: Int, seconds: Double) -> (Int, Int, Int, Double) {
        let tally = Tally()
        let group = DispatchGroup()
        let addresses = min(subjects, 200_000)   // pre-built addresses spread over every subject
        let stride = max(1, subjects / addresses)
        let prebuilt = (0..<addresses).map { ($0 * stride, address($0 * stride)) }
        let start = Date()
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let now = Date()
        for t in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                var x = UInt64(0x9E37_79B9_7F4A_7C15) &* UInt64(t + 1)
                var c = 0, w = 0, e = 0
                while true {
                    for _ in 0..<64 {
                        x ^= x << 13; x ^= x >> 7; x ^= x << 17
                        let (n, a) = prebuilt[Int(x % UInt64(prebuilt.count))]
                        do {
                            let p = try store.profile(for: a, at: now)
                            if p.granted != [purpose(n)] { w += 1 }
                        } catch { e += 1 }
                        c += 1
                    }
                    if DispatchTime.now().uptimeNanoseconds >= end { break }
                }
                tally.add(c, w, e)
                group.leave()
            }
        }
        group.wait()
        return (tally.count, tally.wrong, tally.errors, Date().timeIntervalSince(start))
    }
}

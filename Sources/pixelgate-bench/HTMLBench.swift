// HTMLBench: `pixelgate-bench html FILE...` — single-threaded MB/s of the whole HTML path per file:
// scan + classify every resource + rewrite removing every tracker (and stripping purpose attributes).
// Each file is processed repeatedly for at least `minSeconds`; the figure is the median of `runs`
// such timings. Prints `<file>: html: <N> MB/s` per file and `total: html: <N> MB/s` (total bytes over
// total median time). N is measured on this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that a
// loaded machine does not distort it; the wall-clock figure follows in parentheses. Release builds only.
import Foundation
import PixelHTML

/// CPU seconds consumed by the calling thread.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The median over `rounds` of this thread's CPU seconds per call of `body`, each round calling it
/// until at least `seconds` have passed; `check` accumulates the results so the work stays observable.
func medianCPUSecondsPerCall(rounds: Int, seconds: Double, check: inout Int, _ body: () -> Int) -> Double {
    var perRound: [Double] = []
    for _ in 0..<rounds {
        var n = 0
        let start = threadCPUSeconds()
        var elapsed = 0.0
        repeat {
            check &+= body()
            n += 1
            elapsed = threadCPUSeconds() - start
        } while elapsed < seconds
        perRound.append(elapsed / Double(n))
    }
    perRound.sort()
    return perRound[perRound.count / 2]
}

enum HTMLBench {
    static let runs = 5
    static let minSeconds = 1.0

    static func run(_ args: [String]) {
        guard !args.isEmpty else {
            FileHandle.standardError.write(Data("usage: pixelgate-bench html FILE...\n".utf8))
            exit(2)
        }
        let classifier = TrackerClassifier()
        let recipients = ["reader@example.org"]
        var totalBytes = 0.0
        var totalSeconds = 0.0
        var totalWall = 0.0
        for path in args {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            let bytes = [UInt8](data)
            var sink = 0
            var perRun: [Double] = []
            var perRunWall: [Double] = []
            var trackers = 0, resources = 0
            for _ in 0..<runs {
                var iterations = 0
                let start = DispatchTime.now().uptimeNanoseconds
                let cpuStart = threadCPUSeconds()
                var elapsed = 0.0
                repeat {
                    let out = bytes.withUnsafeBytes { buf -> [UInt8] in
                        let scan = HTMLScanner.scan(buf)
                        var edits = scan.purposeAttributes.map { HTMLEdit.delete($0) }
                        resources = scan.resources.count
                        trackers = 0
                        for r in scan.resources where !classifier.evidence(for: r, recipients: recipients).isEmpty {
                            edits.append(r.removal)
                            trackers += 1
                        }
                        return HTMLRewriter.apply(buf, edits: edits)
                    }
                    sink &+= out.count
                    iterations += 1
                    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                } while elapsed < minSeconds
                perRun.append((threadCPUSeconds() - cpuStart) / Double(iterations))
                perRunWall.append(elapsed / Double(iterations))
            }
            perRun.sort()
            perRunWall.sort()
            let median = perRun[perRun.count / 2]
            let mbps = Double(bytes.count) / median / 1e6
            let wallMBps = Double(bytes.count) / perRunWall[perRunWall.count / 2] / 1e6
            totalWall += perRunWall[perRunWall.count / 2]
            totalBytes += Double(bytes.count)
            totalSeconds += median
            print("\((path as NSString).lastPathComponent): html: \(String(format: "%.1f", mbps)) MB/s (wall \(String(format: "%.1f", wallMBps)) MB/s; \(bytes.count) bytes, \(resources) resources, \(trackers) trackers removed)")
            if sink == -1 { print("") }
        }
        print("total: html: \(String(format: "%.1f", totalBytes / totalSeconds / 1e6)) MB/s (wall \(String(format: "%.1f", totalBytes / totalWall / 1e6)) MB/s)")
    }
}

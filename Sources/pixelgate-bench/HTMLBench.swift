// HTMLBench: `pixelgate-bench html FILE...` — single-threaded MB/s of the whole HTML path per file:
// scan + classify every resource + rewrite removing every tracker (and stripping purpose attributes).
// Each file is processed repeatedly for at least `minSeconds`; the figure is the median of `runs`
// such timings. Prints `<file>: html: <N> MB/s` per file and `total: html: <N> MB/s` (total bytes over
// total median time). Release builds only give meaningful numbers.
import Foundation
import PixelHTML

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
        for path in args {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            let bytes = [UInt8](data)
            var sink = 0
            var perRun: [Double] = []
            var trackers = 0, resources = 0
            for _ in 0..<runs {
                var iterations = 0
                let start = DispatchTime.now().uptimeNanoseconds
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
                perRun.append(elapsed / Double(iterations))
            }
            perRun.sort()
            let median = perRun[perRun.count / 2]
            let mbps = Double(bytes.count) / median / 1e6
            totalBytes += Double(bytes.count)
            totalSeconds += median
            print("\((path as NSString).lastPathComponent): html: \(String(format: "%.1f", mbps)) MB/s (\(bytes.count) bytes, \(resources) resources, \(trackers) trackers removed)")
            if sink == -1 { print("") }
        }
        print("total: html: \(String(format: "%.1f", totalBytes / totalSeconds / 1e6)) MB/s")
    }
}

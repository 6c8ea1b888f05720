// FuzzHTML: libFuzzer target for PixelHTML. For every input: scan; check every range lies inside the
// input; classify every resource; apply every removal (plus purpose-attribute strips and a URL
// replacement for each resource) and check the kept edits are sorted and never overlap; re-scan the
// output. Any crash, trap or failed check is a finding.
// Build: swift build -c debug --product fuzz-html --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address \
//          -Xswiftc -DFUZZING --scratch-path .build-fuzz
// Run:   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/fuzz-html -runs=1000000 -max_len=65536 SEEDDIR
import PixelHTML

let fuzzClassifier = TrackerClassifier()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buf = UnsafeRawBufferPointer(start: data, count: size)
    let scan = HTMLScanner.scan(buf)
    var edits: [HTMLEdit] = []
    for r in scan.purposeAttributes {
        precondition(r.lowerBound >= 0 && r.upperBound <= size, "purpose range out of bounds")
        edits.append(.delete(r))
    }
    if let b = scan.bodyEnd { precondition(b >= 0 && b < size) }
    if let h = scan.htmlEnd { precondition(h >= 0 && h < size) }
    for (i, r) in scan.resources.enumerated() {
        precondition(r.urlRange.lowerBound >= 0 && r.urlRange.upperBound <= size, "url range out of bounds")
        precondition(r.removal.range.lowerBound >= 0 && r.removal.range.upperBound <= size, "removal out of bounds")
        precondition(r.element.range.lowerBound >= 0 && r.element.range.upperBound <= size, "element out of bounds")
        _ = fuzzClassifier.evidence(for: r, recipients: ["a.b@example.com"])
        edits.append(r.removal)
        if i % 2 == 1 { edits.append(r.replacingURL(with: "https://gate.example/o/T\"'<&>")) }
    }
    // Removals never partially overlap: each is either disjoint from or nested in another, so that
    // removing any set of resources composes.
    let removals = scan.resources.map(\.removal.range).sorted { $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.upperBound > $1.upperBound }
    // Checked against every removal still open (a stack), not only the previous one: [0,10) [2,3)
    // [5,12) has no straddling neighbours.
    var open: [Range<Int>] = []
    for r in removals {
        while let top = open.last, top.upperBound <= r.lowerBound { open.removeLast() }
        if let top = open.last { precondition(r.upperBound <= top.upperBound, "removals partially overlap: \(top) \(r)") }
        open.append(r)
    }
    let kept = HTMLRewriter.normalize(edits, count: size)
    for k in 1..<max(1, kept.count) {
        precondition(kept[k - 1].range.upperBound <= kept[k].range.lowerBound, "kept edits overlap")
    }
    let out = HTMLRewriter.apply(buf, edits: edits)
    let rescan = HTMLScanner.scan(out)
    for r in rescan.resources {
        precondition(r.urlRange.upperBound <= out.count && r.removal.range.upperBound <= out.count)
    }
    return 0
}

#if !FUZZING
import Foundation

/// Without -DFUZZING: replays the files given as arguments through the same checks (a failed check
/// traps), printing "ok FILE" for each; used by e2e/test_34_fuzz_regressions.py.
@main struct FuzzHTMLMain {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: fuzz-html FILE... (replays inputs; build with -DFUZZING for libFuzzer, see scripts/fuzz)")
            return
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            let bytes = [UInt8](data)
            _ = bytes.withUnsafeBufferPointer { fuzzOne($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            print("ok \(path)")
        }
    }
}
#endif

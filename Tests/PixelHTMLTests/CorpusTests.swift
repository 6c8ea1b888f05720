// CorpusTests: runs the scanner and classifier over every corpus case (fixtures/corpus.json, made by
// fixtures/make_corpus_fixtures.py) and checks: every tracker URL is found with its vector and has
// evidence; every exempt URL is found; every content URL found as a resource has no
// evidence (unless declared). Prints recall / precision figures.
import Foundation
import Testing
@testable import PixelHTML

struct CorpusCase: Decodable {
    struct Tracker: Decodable { let url: String; let vector: String?; let purposes: [String]? }
    struct Exempt: Decodable { let url: String; let purpose: String }
    let name: String
    let recipient: String
    let parts: [String]
    let trackers: [Tracker]
    let exempt: [Exempt]
    let content: [String]
}

enum CorpusFixture {
    static let cases: [CorpusCase] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fixtures/corpus.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode([CorpusCase].self, from: data)) ?? []
    }()
}

/// Crude visible text: comments, head/style/script/title content and tags removed, a few entities
/// decoded, whitespace collapsed (mirrors the corpus checker's integrity rule closely enough).
func visibleText(_ html: String) -> String {
    var s = html
    func strip(_ open: String, _ close: String) {
        while let a = s.range(of: open, options: .caseInsensitive) {
            if let b = s.range(of: close, options: .caseInsensitive, range: a.upperBound..<s.endIndex) {
                s.removeSubrange(a.lowerBound..<b.upperBound)
            } else { s.removeSubrange(a.lowerBound...); break }
        }
    }
    strip("<!--", "-->"); strip("<head", "</head>"); strip("<style", "</style>"); strip("<script", "</script>"); strip("<title", "</title>")
    var out = "", inTag = false
    for ch in s { if ch == "<" { inTag = true } else if ch == ">" && inTag { inTag = false; out.append(" ") } else if !inTag { out.append(ch) } }
    out = out.replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
    return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// Removes every listed tracker of every corpus case (as the engine does with no consent) and checks:
/// no tracker URL is left (raw or entity-decoded), every content URL found as a resource is still
/// there, the visible text is unchanged, and re-scanning finds no tracker.
func rewriteFailures() -> [String] {
    var failures = [String]()
    for c in CorpusFixture.cases {
        let trackerURLs = Set(c.trackers.map(\.url))
        for part in c.parts {
            let bytes = Array(part.utf8)
            let scan = HTMLScanner.scan(bytes)
            var edits = scan.purposeAttributes.map { HTMLEdit.delete($0) }
            for r in scan.resources where trackerURLs.contains(r.url) { edits.append(r.removal) }
            let out = String(decoding: HTMLRewriter.apply(bytes, edits: edits), as: UTF8.self)
            let decodedOut = out.replacingOccurrences(of: "&amp;", with: "&")
            for u in trackerURLs where out.contains(u) || decodedOut.contains(u) {
                failures.append("\(c.name): tracker left after removal: \(u)")
            }
            for r in scan.resources where c.content.contains(r.url) {
                if !HTMLScanner.scan(Array(out.utf8)).resources.contains(where: { $0.url == r.url }) {
                    failures.append("\(c.name): content lost: \(r.url)")
                }
            }
            if visibleText(part) != visibleText(out) { failures.append("\(c.name): visible text changed") }
            if out.contains("data-tracking-purpose") || out.contains("DATA-TRACKING-PURPOSE") {
                failures.append("\(c.name): purpose attribute left")
            }
        }
    }
    return failures
}

@Suite struct CorpusTests {
    @Test func fixtureLoaded() {
        #expect(CorpusFixture.cases.count >= 59)
    }

    @Test func everyCorpusCase() {
        let classifier = TrackerClassifier()
        var trackersFound = 0, trackersTotal = 0
        var exemptOK = 0, exemptTotal = 0
        var contentResources = 0, contentClean = 0
        var failures = [String]()
        for c in CorpusFixture.cases {
            var found: [(Resource, [Evidence])] = []
            for part in c.parts {
                let scan = HTMLScanner.scan(Array(part.utf8))
                for r in scan.resources { found.append((r, classifier.evidence(for: r, recipients: [c.recipient]))) }
            }
            if ProcessInfo.processInfo.environment["CORPUS_DIAG"] != nil {
                for (r, ev) in found where !ev.isEmpty {
                    let listed = c.trackers.contains { $0.url == r.url } || c.exempt.contains { $0.url == r.url }
                    print("DIAG \(c.name) \(listed ? "T" : "?") \(r.vector.rawValue) \(ev.map(\.description)) \(r.url.prefix(90))")
                }
            }
            for t in c.trackers {
                trackersTotal += 1
                let hits = found.filter { $0.0.url == t.url }
                if let h = hits.first(where: { $0.0.vector.rawValue == t.vector && !$0.1.isEmpty }) {
                    _ = h
                    trackersFound += 1
                } else {
                    failures.append("\(c.name): tracker \(t.vector ?? "?") \(t.url) found=\(hits.map { "\($0.0.vector.rawValue) \($0.1)" })")
                }
            }
            for e in c.exempt {
                exemptTotal += 1
                // Declared by attribute (evidence) or by the Tracking-Purposes header (the engine's job): found is enough.
                if found.contains(where: { $0.0.url == e.url }) {
                    exemptOK += 1
                } else {
                    failures.append("\(c.name): exempt \(e.url) not found/declared")
                }
            }
            for u in c.content {
                for (r, ev) in found where r.url == u {
                    contentResources += 1
                    let undeclared = ev.filter { if case .declared = $0 { return false }; return true }
                    if undeclared.isEmpty || r.declaredPurposes != nil { contentClean += 1 } else {
                        failures.append("\(c.name): content \(r.vector.rawValue) \(u) has evidence \(ev)")
                    }
                }
            }
        }
        for f in rewriteFailures() { failures.append(f) }
        print("corpus: trackers found+classified \(trackersFound)/\(trackersTotal), exempt \(exemptOK)/\(exemptTotal), content resources clean \(contentClean)/\(contentResources)")
        for f in failures { print("FAIL " + f) }
        #expect(failures.isEmpty)
        #expect(trackersTotal > 90)
    }
}

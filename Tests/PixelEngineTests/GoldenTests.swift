// GoldenTests: Postfix-style golden files. Each `golden/NAME.in` is rendered for the recipient and
// consent of `NAME.args` (keys: recipient, consent, ask, language, rule = "host path purposes") by a
// deterministic engine and compared byte for byte with `NAME.ref`. `UPDATE_GOLDEN=1 swift test`
// rewrites the refs (review them by eye before committing). Also checks every output line <= 998.
import Foundation
import Testing
import PixelEngine
import PixelHTML
import PixelPolicy

@Suite struct GoldenTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden")

    static func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".in") }.map { String($0.dropLast(3)) }.sorted()
    }

    static func args(_ name: String) -> [String: String] {
        let text = (try? String(contentsOf: dir.appendingPathComponent(name + ".args"), encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    @Test func thereAreGoldenCases() {
        #expect(Self.names().count >= 30)
    }

    @Test(arguments: GoldenTests.names())
    func golden(_ name: String) throws {
        let a = Self.args(name)
        var settings = EngineSettings(publicURL: "https://consent.example.test",
                                      footer: .defaults(FooterLanguage(rawValue: a["language"] ?? "fr") ?? .fr))
        settings.askConsent = a["ask"] == "true"
        if let rule = a["rule"] {
            let f = rule.split(separator: " ").map(String.init)
            let ps = try PurposeList.parseStrict(f[2])
            settings.rules = [PurposeRule(urlRule: URLRule(hostGlob: f[0], pathGlob: f[1], purposes: ps.map(\.id)), purposes: ps.map { .known($0) })]
        }
        let engine = TestEngine.make(settings)
        let input = Array(try Data(contentsOf: Self.dir.appendingPathComponent(name + ".in")))
        let run = try TestEngine.run(engine, input, recipient: a["recipient"] ?? "ana.lima@example.org",
                                     profile: TestEngine.profile(consent: a["consent"] ?? "none"))
        let refURL = Self.dir.appendingPathComponent(name + ".ref")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(run.output).write(to: refURL)
        }
        let ref = Array(try Data(contentsOf: refURL))
        let same = run.output == ref
        #expect(same, "golden \(name) differs; rerun with UPDATE_GOLDEN=1 and review the diff")
        #expect(TestEngine.longestLine(run.output) <= 998)
    }
}

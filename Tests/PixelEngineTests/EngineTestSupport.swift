// EngineTestSupport: a deterministic engine for tests (fixed key, nonce and clock, so tokens and
// golden outputs are stable), and helpers to run a message through analyse -> decide -> render.
import Foundation
import PixelEngine
import PixelHTML
import PixelMIME
import PixelPolicy

enum TestEngine {
    static let key = [UInt8](repeating: 0x42, count: 32)
    static let fixedTime = Date(timeIntervalSince1970: 1_780_000_000)

    static func keyring() -> TokenKeyring {
        // The key is 32 bytes, so this cannot fail.
        try! TokenKeyring(current: TokenKey(id: 1, bytes: key), nonceSource: { [UInt8](repeating: 0, count: 12) })
    }

    static func make(_ settings: EngineSettings = EngineSettings(publicURL: "https://consent.example.test"),
                     campaigns: any CampaignRegistry = MemoryCampaignRegistry()) -> Engine {
        let classifier = TrackerClassifier(signatures: .default, rules: settings.rules.map(\.urlRule))
        return Engine(settings: settings, keyring: keyring(), campaigns: campaigns, classifier: classifier, now: { fixedTime })
    }

    struct Run {
        var analysis: Analysis
        var decision: Decision
        var output: [UInt8]
    }

    /// Analyse, decide and render one message for one recipient.
    static func run(_ engine: Engine, _ message: [UInt8], recipient: String, profile: ConsentProfile) throws -> Run {
        try message.withUnsafeBytes { buf in
            let a = try engine.analyse(buf, recipients: [recipient])
            let d = engine.decide(a, recipient: recipient, profile: profile)
            let chunks = try engine.render(a, message: buf, recipient: recipient, decision: d)
            return Run(analysis: a, decision: d, output: MIMERewriter.render(chunks, original: buf))
        }
    }

    static func profile(consent: String) -> ConsentProfile {
        let ps = (try? PurposeList.parseStrict(consent)) ?? []
        return ps.isEmpty ? .none : ConsentProfile(granted: Set(ps), eventIDs: [1], hasExpressedChoice: true)
    }

    static func contains(_ hay: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty, hay.count >= n.count else { return false }
        for i in 0...(hay.count - n.count) where hay[i] == n[0] && Array(hay[i..<(i + n.count)]) == n { return true }
        return false
    }

    static func longestLine(_ bytes: [UInt8]) -> Int {
        var longest = 0, current = 0
        for b in bytes {
            if b == 10 { longest = max(longest, current); current = 0 } else if b != 13 { current += 1 }
        }
        return max(longest, current)
    }
}

// consent show / consent history: what the store says about one address, for operators and DPOs.
// Contract: `show` prints the current answer the relay would get (the same lookup) and, when the
// backend keeps events, the event behind each purpose; `history` prints every event of the
// address in time order. `--json` prints machine-readable JSON (ConsentJSON).
import ArgumentParser
import Foundation
import PixelPolicy
import PixelStore

struct ConsentShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show ADDR's current consent per purpose.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The recipient's address.") var address: String
    @Flag(help: "JSON output.") var json = false

    func run() throws {
        let (cfg, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let subject = try AddressNormalizer(caseInsensitiveLocalPart: cfg.store.caseInsensitiveLocalPart).normalize(address)
            let profile = try store.profile(for: subject, at: Date())
            if json {
                print(ConsentJSON.profile(address: subject, profile))
                return
            }
            var latest: [Purpose: ConsentEvent] = [:]
            if cfg.store.backend != .http {
                for e in try store.history(subject: subject) where e.atMillis <= TimeFormat.millis(Date()) { latest[e.purpose] = e }
            }
            print(subject)
            for p in Purpose.consentable {
                let state = profile.granted.contains(p) ? "granted" : "refused"
                var line = "  " + p.id.padding(toLength: 22, withPad: " ", startingAt: 0) + state
                if let e = latest[p] {
                    line += " (\(e.action == .grant ? "granted" : "withdrawn") \(TimeFormat.format(millis: e.atMillis)), event \(e.id), source \(e.source))"
                } else if cfg.store.backend != .http {
                    line += " (no record)"
                }
                print(line)
            }
            print("  expressed a choice: \(profile.hasExpressedChoice ? "yes" : "no")")
        }
    }
}

struct ConsentHistory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Every consent event of ADDR, in time order.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The recipient's address.") var address: String
    @Flag(help: "JSON output.") var json = false

    func run() throws {
        let (_, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let events = try store.history(subject: address)
            if json {
                print("[" + events.map(ConsentJSON.event).joined(separator: ",\n") + "]")
                return
            }
            if events.isEmpty { print("no consent events for \(address)"); return }
            for e in events {
                print("\(TimeFormat.format(millis: e.atMillis))  event \(e.id)  \(e.action.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(e.purpose.id.padding(toLength: 21, withPad: " ", startingAt: 0)) source=\(e.source) evidence=\(e.evidence)")
            }
        }
    }
}

// consent grant / consent withdraw: record consent changes as events with their proof.
// Contract: all the purposes of one command are recorded in one transaction or none is; exempt
// purposes, unknown ids, malformed addresses, non-JSON or oversize evidence are refused with a
// clear message and nothing is stored. `withdraw` without purposes withdraws every consentable
// purpose (one event each, so the proof shows exactly what was withdrawn).
import ArgumentParser
import Foundation
import PixelPolicy
import PixelStore

struct ConsentGrant: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Record that ADDR consents to PURPOSE(s).")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The recipient's address.") var address: String
    @Argument(help: "Purpose ids: \(Purpose.consentable.map(\.id).joined(separator: ", ")).") var purposes: [String]
    @Option(help: "Who records the consent (web form, CRM, cli...).") var source: String = "cli"
    @Option(help: "Evidence as JSON: the text shown, the form, how consent was given.") var evidence: String?

    func validate() throws {
        if purposes.isEmpty { throw ValidationError("give at least one purpose") }
    }

    func run() throws {
        let (_, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let ev = evidence ?? ConsentCLI.defaultEvidence(command: "grant")
            let stored = try store.record(events: purposes.map {
                ConsentEventInput(address: address, purpose: $0, action: .grant, source: source, evidence: ev)
            })
            for e in stored { print("granted \(e.purpose.id) for \(e.subject) (event \(e.id) at \(TimeFormat.format(millis: e.atMillis)))") }
        }
    }
}

struct ConsentWithdraw: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "withdraw",
                                                    abstract: "Record that ADDR withdraws PURPOSE(s), or every purpose when none is given.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The recipient's address.") var address: String
    @Argument(help: "Purpose ids (default: every purpose).") var purposes: [String] = []
    @Option(help: "Who records the withdrawal.") var source: String = "cli"
    @Option(help: "Evidence as JSON: how the withdrawal was made.") var evidence: String?

    func run() throws {
        let (_, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let ev = evidence ?? ConsentCLI.defaultEvidence(command: "withdraw")
            let ids = purposes.isEmpty ? Purpose.consentable.map(\.id) : purposes
            let stored = try store.record(events: ids.map {
                ConsentEventInput(address: address, purpose: $0, action: .withdraw, source: source, evidence: ev)
            })
            for e in stored { print("withdrew \(e.purpose.id) for \(e.subject) (event \(e.id) at \(TimeFormat.format(millis: e.atMillis)))") }
        }
    }
}

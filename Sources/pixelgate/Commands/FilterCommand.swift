// filter: writes the message rewritten for one recipient to stdout, through exactly the relay's
// planner (EnginePlanner: analyse -> decide -> render; then DKIM, as in serve). `--consent
// LIST|none` gives the consented purposes directly; `store` (the default) asks the consent store. Exit status: 0 written,
// 64 bad arguments (an unknown purpose is named), 65 unparseable message with on_unparseable =
// reject, 75 consent store unavailable with on_store_error = tempfail, 1 other errors.
import ArgumentParser
import Foundation
import Logging
import PixelLog
import PixelPolicy
import PixelRelay

/// A lookup that answers the same profile for everyone (`--consent LIST|none`).
struct FixedConsentLookup: ConsentLookup {
    let profile: ConsentProfile
    func profile(for address: String, at time: Date) throws -> ConsentProfile { profile }
}

struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Write the message rewritten for one recipient to stdout, by the relay's code path.")

    @Option(name: .long, help: "The recipient address.")
    var recipient: String

    @Option(name: .long, help: "Consented purposes: a comma-separated list, 'none', or 'store' (the default) to ask the consent store.")
    var consent: String?

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The message file (stdin when absent).")
    var file: String?

    func run() throws {
        let cfg = try options.load()
        LogfmtHandler.bootstrap(level: Logger.Level(rawValue: cfg.log.level) ?? .info)
        let lookup = try Self.lookup(consent, cfg: cfg)
        let message = try InputFile.read(file)
        let planner: EnginePlanner
        do {
            planner = try makeEnginePlanner(cfg: cfg, lookup: lookup, campaigns: MemoryCampaignRegistry(), recorder: nil)
        } catch let e as PolicyError {
            throw CLIError("pixelgate filter: \(e.description)")
        }
        // DKIM is the last step, as in `serve` (DKIMWiring): broken signatures, then [[dkim]] signing.
        let signing = DKIMPlanner(inner: planner, signer: try DKIMWiring.loadSigner(cfg))
        let prepared = signing.prepare(recipient: recipient, session: "filter")
        let recipients = [PlannedRecipient(address: recipient, prepared: prepared)]
        let context = MessageContext(session: "filter", queueID: nil, mailFrom: "")
        let variants: [PlannedVariant]
        do {
            variants = try message.withUnsafeBytes { buf in try signing.plan(message: buf, recipients: recipients, context: context) }
        } catch let failure as PlanFailure {
            switch failure {
            case .reject(_, let enhanced, let text): throw CLIError("pixelgate filter: \(enhanced) \(text)", code: 65)
            case .tempfail(let text): throw CLIError("pixelgate filter: \(text)", code: 75)
            }
        }
        guard let variant = variants.first(where: { $0.recipients.contains(0) }) else { throw CLIError("pixelgate filter: no variant for the recipient") }
        try OutputSink.write(variant.chunks, original: message)
    }

    static func lookup(_ consent: String?, cfg: PixelgateConfig) throws -> any ConsentLookup {
        guard let consent, consent != "store" else {
            return try AppWiring.store(cfg)
        }
        do {
            let purposes = try PurposeList.parseStrict(consent)
            if purposes.isEmpty { return FixedConsentLookup(profile: .none) }
            return FixedConsentLookup(profile: ConsentProfile(granted: Set(purposes), hasExpressedChoice: true))
        } catch {
            throw CLIError("pixelgate filter: --consent: \(error.description)", code: 64)
        }
    }
}

/// Reads a whole message from a file or stdin.
enum InputFile {
    static func read(_ path: String?) throws -> [UInt8] {
        if let path, path != "-" {
            guard let d = FileManager.default.contents(atPath: path) else { throw CLIError("pixelgate: cannot read \(path)") }
            return Array(d)
        }
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
}

/// Writes a variant's chunks to stdout.
enum OutputSink {
    static func write(_ chunks: [BodyChunk], original: [UInt8]) throws {
        var out: [UInt8] = []
        out.reserveCapacity(original.count + 4096)
        for c in chunks {
            switch c {
            case .original(let r): out += original[r]
            case .bytes(let b): out += b
            }
        }
        FileHandle.standardOutput.write(Data(out))
    }
}

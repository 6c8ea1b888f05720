// consent export / import / verify: the proof of consent for a DPO, and bulk loading.
// Contract:
// - export streams every event (or those at or after --since) in chain order, as CSV
//   (ConsentCSV: importable back, with id, prev_hash and hash) or JSON (an array of events).
// - import reads a CSV file (address,purpose,action,at,source,evidence), validates every line
//   first, and stores all of them in one transaction; on the first bad line it prints
//   "FILE:LINE: reason", exits 1 and stores nothing.
// - verify walks the chain: "ok: N events" and exit 0, or "broken at event ID: reason" and exit 1.
import ArgumentParser
import Foundation
import PixelStore

struct ConsentExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export consent events (proof) as CSV or JSON.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @OptionGroup var options: ConfigOptions
    @Option(help: "csv or json.") var format: Format = .csv
    @Option(help: "Only events at or after DATE (ISO 8601, e.g. 2026-01-01 or 2026-01-01T10:00:00Z).") var since: String?

    func run() throws {
        var from: Date?
        if let since {
            guard let d = TimeFormat.parse(since) else { throw ConsentCLI.fail("--since \"\(since)\" is not an ISO 8601 date") }
            from = d
        }
        let (_, store) = try ConsentCLI.open(options)
        defer { store.close() }
        let out = ConsentCLI.Output()
        try ConsentCLI.run {
            switch format {
            case .csv:
                out.write(ConsentCSV.exportHeader)
                try store.export(since: from) { out.write(ConsentCSV.exportRow($0)) }
            case .json:
                out.write("[")
                var first = true
                try store.export(since: from) {
                    out.write((first ? "\n" : ",\n") + ConsentJSON.event($0))
                    first = false
                }
                out.write("\n]\n")
            }
            out.flush()
        }
    }
}

struct ConsentImport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
                                                    abstract: "Import consent events from CSV (address,purpose,action,at,source,evidence), all or nothing.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The CSV file (\"-\" for stdin).") var file: String

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else { throw ConsentCLI.fail("\(file): cannot read the file") }
            data = d
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConsentCLI.fail("\(file): not UTF-8 text") }
        let (cfg, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let inputs = try ConsentCSV.parseImport(text, file: file,
                                                    normalizer: AddressNormalizer(caseInsensitiveLocalPart: cfg.store.caseInsensitiveLocalPart),
                                                    maxEvidenceSize: cfg.store.maxEvidenceSize)
            let stored = try store.record(events: inputs)
            if let a = stored.first, let b = stored.last {
                print("imported \(stored.count) events (ids \(a.id)...\(b.id))")
            } else {
                print("imported 0 events")
            }
        }
    }
}

struct ConsentVerify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the hash chain of consent events.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let (_, store) = try ConsentCLI.open(options)
        defer { store.close() }
        try ConsentCLI.run {
            let result = try store.verify()
            print(result.description)
            if case .broken = result { throw ExitCode(1) }
        }
    }
}

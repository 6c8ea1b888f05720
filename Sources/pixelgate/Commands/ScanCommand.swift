// scan: lists the resources of a message's HTML parts: for each tracker its vector, URL, purposes
// (and where they came from), evidence, and what a recipient without consent gets (removed or
// kept-exempt); content resources too, with tracker=false. Reads stdin when FILE is absent. Uses the
// engine's analysis, so it shows exactly what the relay would decide. Recipient identifiers are
// looked for with `--recipient` (repeatable), else the addresses of To and Cc.
import ArgumentParser
import Foundation
import PixelCrypto
import PixelEngine
import PixelMIME
import PixelPolicy

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "List the trackers in a message and what a recipient without consent gets.")

    @Flag(name: .long, help: "JSON output.")
    var json = false

    @Option(name: .long, help: "Recipient address to look for in URLs (repeatable; default: To and Cc).")
    var recipient: [String] = []

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The message file (stdin when absent).")
    var file: String?

    struct Row: Encodable {
        var part: Int
        var contentType: String
        var vector: String
        var url: String
        var tracker: Bool
        var purposes: [String]?
        var purposeSource: String?
        var evidence: [String]?
        var noConsent: String?
        var reason: String?
    }

    func run() throws {
        let cfg = try options.load()
        let message = try InputFile.read(file)
        // Scanning seals no token: an ephemeral key keeps `scan` free of state.
        let ring = try TokenKeyring(current: TokenKey(id: 0, bytes: SecureRandom.bytes(32)))
        let engine = try makeEngine(cfg: cfg, campaigns: MemoryCampaignRegistry(), keyring: ring)
        let analysis: Analysis
        do {
            analysis = try message.withUnsafeBytes { buf in
                let rcpts = recipient.isEmpty ? Self.headerAddresses(buf) : recipient
                return try engine.analyse(buf, recipients: rcpts)
            }
        } catch let failure as EngineFailure {
            throw CLIError("pixelgate scan: \(failure.description)", code: 65)
        }
        let decision = engine.decide(analysis, recipient: "", profile: .none)
        var rows: [Row] = []
        for (i, t) in analysis.trackers.enumerated() {
            let leaf = analysis.htmlLeaves[t.htmlLeaf]
            var reason: String? = nil
            let outcome: String
            switch decision.dispositions[i] {
            case .keptExempt: outcome = "kept-exempt"
            case .gated: outcome = "gated"
            case .removed(let why): outcome = "removed"; reason = why.description
            }
            rows.append(Row(part: leaf.leafIndex, contentType: leaf.part.contentType.mimeType, vector: t.vector.rawValue, url: t.url,
                            tracker: true, purposes: t.purposeIDs, purposeSource: t.attribution.source.rawValue,
                            evidence: t.evidence.map(EvidenceText.describe), noConsent: outcome, reason: reason))
        }
        for c in analysis.content {
            let leaf = analysis.htmlLeaves[c.htmlLeaf]
            rows.append(Row(part: leaf.leafIndex, contentType: leaf.part.contentType.mimeType, vector: c.resource.vector.rawValue,
                            url: c.resource.url, tracker: false))
        }
        rows.sort { ($0.part, $0.tracker ? 0 : 1) < ($1.part, $1.tracker ? 0 : 1) }
        if json {
            struct Report: Encodable { var resources: [Row]; var notes: [String]; var campaign: String? }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            enc.keyEncodingStrategy = .convertToSnakeCase
            FileHandle.standardOutput.write(try enc.encode(Report(resources: rows, notes: analysis.notes, campaign: analysis.campaign)))
            print()
            return
        }
        for r in rows {
            if r.tracker {
                var line = "tracker part=\(r.part) vector=\(r.vector) no_consent=\(r.noConsent ?? "")"
                line += " purposes=\((r.purposes ?? []).isEmpty ? "unspecified" : r.purposes!.joined(separator: ","))"
                line += " source=\(r.purposeSource ?? "") evidence=\(Self.q((r.evidence ?? []).joined(separator: "; ")))"
                if let reason = r.reason { line += " reason=\(Self.q(reason))" }
                print(line + " url=\(Self.q(r.url))")
            } else {
                print("content part=\(r.part) vector=\(r.vector) tracker=false url=\(Self.q(r.url))")
            }
        }
        for n in analysis.notes { print("note: \(n)") }
        print("summary: trackers=\(analysis.trackers.count) removed=\(decision.removedIndices.count) kept=\(decision.keptIndices.count) content=\(analysis.content.count)")
    }

    static func q(_ s: String) -> String {
        s.contains(where: { $0 == " " || $0 == "\"" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : s
    }

    /// Addresses in the top-level To and Cc headers.
    static func headerAddresses(_ buf: UnsafeRawBufferPointer) -> [String] {
        guard let m = try? MIMEParser.parse(buf) else { return [] }
        var out: [String] = []
        for h in m.root.headers where h.hasName("To") || h.hasName("Cc") {
            for token in h.value.split(whereSeparator: { ",;<> \t\"".contains($0) }) where token.contains("@") {
                out.append(String(token))
            }
        }
        return out
    }
}

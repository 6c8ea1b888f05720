// ConsentCSV: the CSV form of consent events, for `consent export --format csv` and `consent import`.
// Contract:
// - Columns: address,purpose,action,at,source,evidence (the import format), and in exports also
//   id,prev_hash,hash so that a DPO can check each row against the chain. `at` is ISO 8601 UTC
//   with milliseconds. Fields are quoted per RFC 4180 when they hold a comma, quote, CR or LF.
// - `parseImport` reads RFC 4180 (CRLF or LF, quoted fields with embedded newlines, a leading BOM
//   ignored), requires the six import columns first (the three export columns may follow and are
//   ignored: a store re-chains imported events), and validates every row as the store would. The
//   first bad row throws `StoreError.badImportLine(file, line, reason)` where `line` is the
//   physical line the row starts on (the header is line 1). Empty lines are skipped.
// - `at` is required (an import is history, not "now"); `source` defaults to "import"; evidence
//   must be JSON.
import Foundation

public enum ConsentCSV {
    public static let importColumns = ["address", "purpose", "action", "at", "source", "evidence"]
    public static let exportColumns = importColumns + ["id", "prev_hash", "hash"]
    public static let defaultImportSource = "import"

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static var exportHeader: String { exportColumns.joined(separator: ",") + "\r\n" }

    public static func exportRow(_ e: ConsentEvent) -> String {
        [e.subject, e.purpose.id, e.action.rawValue, TimeFormat.format(millis: e.atMillis), e.source, e.evidence,
         String(e.id), e.prevHash, e.hash].map(quote).joined(separator: ",") + "\r\n"
    }

    /// One parsed record and the line it starts on.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    /// Splits RFC 4180 text into records. Throws on an unterminated quote or a stray quote.
    public static func records(_ text: String, file: String) throws(StoreError) -> [Record] {
        var out: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { out.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 34 {
                    if i + 1 < bytes.count && bytes[i + 1] == 34 { field.append(34); i += 2; continue }
                    inQuotes = false
                    afterQuote = true
                } else {
                    if b == 10 { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 44:
                endField()
            case 34:
                if !field.isEmpty || afterQuote { throw .badImportLine(file: file, line: line, reason: "stray quote inside a field") }
                inQuotes = true
            case 13 where i + 1 < bytes.count && bytes[i + 1] == 10:
                break
            case 10, 13:
                endRecord()
                line += 1
                recordLine = line
            default:
                if afterQuote { throw .badImportLine(file: file, line: line, reason: "text after a closing quote") }
                field.append(b)
            }
            i += 1
        }
        if inQuotes { throw .badImportLine(file: file, line: recordLine, reason: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || afterQuote { endRecord() }
        return out
    }

    /// Parses and validates an import file; see the file contract.
    public static func parseImport(_ text: String, file: String, normalizer: AddressNormalizer,
                                   maxEvidenceSize: Int) throws(StoreError) -> [ConsentEventInput] {
        let recs = try records(text, file: file)
        guard let header = recs.first else { throw .badImportLine(file: file, line: 1, reason: "empty file (expected the header \(importColumns.joined(separator: ",")))") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let validHeader = names.count >= importColumns.count && Array(names.prefix(importColumns.count)) == importColumns
            && Array(names.dropFirst(importColumns.count)) == Array(exportColumns.dropFirst(importColumns.count).prefix(names.count - importColumns.count))
        guard validHeader else {
            throw .badImportLine(file: file, line: header.line, reason: "header must be \(importColumns.joined(separator: ","))")
        }
        var out: [ConsentEventInput] = []
        out.reserveCapacity(recs.count - 1)
        let nowMillis = TimeFormat.millis(Date())
        for rec in recs.dropFirst() {
            func bad(_ reason: String) -> StoreError { .badImportLine(file: file, line: rec.line, reason: reason) }
            guard rec.fields.count == names.count else { throw bad("expected \(names.count) fields, found \(rec.fields.count)") }
            let f = rec.fields
            guard let action = ConsentAction(rawValue: f[2].trimmingCharacters(in: .whitespaces)) else {
                throw bad("action must be grant or withdraw, not \"\(StoreError.printable(f[2]))\"")
            }
            let atText = f[3].trimmingCharacters(in: .whitespaces)
            if atText.isEmpty { throw bad("missing time (column at)") }
            guard let at = TimeFormat.parse(atText) else { throw bad("time \"\(StoreError.printable(atText))\" is not ISO 8601") }
            let source = f[4].trimmingCharacters(in: .whitespaces).isEmpty ? defaultImportSource : f[4]
            let input = ConsentEventInput(address: f[0], purpose: f[1].trimmingCharacters(in: .whitespaces), action: action,
                                          at: at, source: source, evidence: f[5])
            do {
                _ = try EventChain.validate(input, normalizer: normalizer, maxEvidenceSize: maxEvidenceSize, nowMillis: nowMillis)
            } catch {
                throw bad(error.description)
            }
            out.append(input)
        }
        return out
    }
}

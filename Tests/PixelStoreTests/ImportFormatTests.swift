// ImportFormatTests: the CSV import/export format and its line-numbered errors, and JSON output.
import Foundation
import Testing
@testable import PixelStore

@Suite struct ImportFormatTests {
    let header = "address,purpose,action,at,source,evidence\n"

    func parse(_ text: String) throws(StoreError) -> [ConsentEventInput] {
        try ConsentCSV.parseImport(text, file: "in.csv", normalizer: AddressNormalizer(), maxEvidenceSize: 64)
    }

    @Test func parsesQuotedFieldsAcrossLines() throws {
        let text = "\u{FEFF}" + header + "a@x.org,open_measurement,grant,2026-01-01T00:00:00Z,web,\"{\"\"t\"\":\"\"a,b\"\",\n\"\"u\"\":1}\"\r\n"
            + "\n" + "b@x.org,personalization,withdraw,2026-01-02,,[1]\n"
        let rows = try parse(text)
        #expect(rows.count == 2)
        #expect(rows[0].evidence == "{\"t\":\"a,b\",\n\"u\":1}")
        #expect(rows[1].source == "import")
        #expect(rows[1].action == .withdraw)
    }

    @Test(arguments: [
        ("address,purpose,action\n", 1, "header must be"),
        ("a@x.org,open_measurement,grant,2026-01-01,web,{}\nno-at,open_measurement,grant,2026-01-01,web,{}\n", 3, "invalid address"),
        ("a@x.org,open_measurement,grant,2026-01-01,web,{}\na@x.org,opening,grant,2026-01-01,web,{}\n", 3, "invalid purpose"),
        ("a@x.org,anonymous_statistics,grant,2026-01-01,web,{}\n", 2, "exempt"),
        ("a@x.org,open_measurement,accept,2026-01-01,web,{}\n", 2, "grant or withdraw"),
        ("a@x.org,open_measurement,grant,,web,{}\n", 2, "missing time"),
        ("a@x.org,open_measurement,grant,01/02/2026,web,{}\n", 2, "not ISO 8601"),
        ("a@x.org,open_measurement,grant,2999-01-01,web,{}\n", 2, "in the future"),
        ("a@x.org,open_measurement,grant,2026-01-01,web,{oops}\n", 2, "must be JSON"),
        ("a@x.org,open_measurement,grant,2026-01-01,web,\"[\"\"" + String(repeating: "x", count: 80) + "\"\"]\"\n", 2, "over max_evidence_size"),
        ("a@x.org,open_measurement,grant,2026-01-01,web\n", 2, "expected 6 fields"),
        ("a@x.org,open_measurement,grant,2026-01-01,web,{}\n\"a@x.org,open_measurement,grant,2026-01-01,web,{}\n", 3, "unterminated"),
        ("a@x.org,open_\"measurement,grant,2026-01-01,web,{}\n", 2, "stray quote"),
    ])
    func reportsTheFirstBadLine(_ c: (String, Int, String)) {
        do {
            _ = try parse(c.0.hasPrefix("address,purpose,action\n") ? c.0 : header + c.0)
            Issue.record("accepted")
        } catch {
            guard case .badImportLine(let file, let line, let reason) = error else { Issue.record("\(error)"); return }
            #expect(file == "in.csv")
            #expect(line == c.1, "\(reason)")
            #expect(reason.contains(c.2), "\(reason)")
            #expect(error.description.hasPrefix("in.csv:\(c.1): "))
        }
    }

    @Test func largeBatchesReportTheFirstBadEventByPosition() {
        // Validated in parallel chunks: the error must still be the first one in input order.
        var inputs = (0..<20_000).map { grant("u\($0)@example.org", "open_measurement") }
        inputs[15_000].purpose = "late_error"
        inputs[9_001].address = "early-error"
        do {
            _ = try EventChain.validate(inputs, normalizer: AddressNormalizer(), maxEvidenceSize: 1024)
            Issue.record("accepted")
        } catch {
            #expect(error == .invalidAddress("early-error", reason: "no \"@\""))
        }
        inputs[9_001].address = "fine@example.org"
        #expect((try? EventChain.validate(inputs, normalizer: AddressNormalizer(), maxEvidenceSize: 1024)) == nil)
        inputs[15_000].purpose = "personalization"
        let ok = try? EventChain.validate(inputs, normalizer: AddressNormalizer(), maxEvidenceSize: 1024)
        #expect(ok?.count == 20_000)
        #expect(ok?[12_345].subject == "u12345@example.org")
    }

    @Test func exportColumnsAreAcceptedBackAndIgnored() throws {
        let e = ConsentEvent(id: 7, subject: "a@x.org", purpose: .crossChannel, action: .grant, atMillis: 5, source: "cli",
                             evidence: "{\"a\":\"b,c\"}", prevHash: String(repeating: "0", count: 64), hash: String(repeating: "f", count: 64))
        let text = ConsentCSV.exportHeader + ConsentCSV.exportRow(e)
        let rows = try parse(text)
        #expect(rows == [ConsentEventInput(address: "a@x.org", purpose: "cross_channel", action: .grant, at: Date(timeIntervalSince1970: 0.005),
                                           source: "cli", evidence: "{\"a\":\"b,c\"}")])
    }

    @Test func jsonOutputParsesBack() throws {
        let e = ConsentEvent(id: 3, subject: "a\"b@x.org", purpose: .personalization, action: .withdraw, atMillis: 1_780_000_000_123,
                             source: "web\u{1}", evidence: "{\"k\":\"v\\n\"}", prevHash: "00", hash: "ff")
        let obj = try JSONSerialization.jsonObject(with: Data(ConsentJSON.event(e).utf8)) as? [String: Any]
        #expect(obj?["address"] as? String == "a\"b@x.org")
        #expect(obj?["evidence"] as? String == "{\"k\":\"v\\n\"}")
        #expect(obj?["at"] as? String == "2026-05-28T20:26:40.123Z")
        #expect(obj?["source"] as? String == "web\u{1}")
    }
}

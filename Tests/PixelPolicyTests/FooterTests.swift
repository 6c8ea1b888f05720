// Tests for FooterTemplates and FooterRenderer: escaping, placeholders, validation, languages.
import Testing
@testable import PixelPolicy

@Suite struct FooterTests {
    @Test func htmlValuesAreEscapedTextValuesAreNot() {
        let t = FooterTemplates(language: .en, htmlWithdraw: "<a href=\"{withdraw_url}\">x</a> {purposes}", textWithdraw: "W: {withdraw_url}\n")
        let f = FooterRenderer.render(.withdraw, templates: t, purposes: [.openMeasurement],
                                      links: FooterLinks(withdrawURL: "https://g.example/w/a\"b<c>&d'"))!
        #expect(f.html == "<a href=\"https://g.example/w/a&quot;b&lt;c&gt;&amp;d&#39;\">x</a> open measurement")
        #expect(f.text == "W: https://g.example/w/a\"b<c>&d'\n")
    }

    @Test func valuesAreNotReexpanded() {
        let t = FooterTemplates(language: .en, htmlWithdraw: "{withdraw_url}", textWithdraw: "{withdraw_url} {x}")
        let f = FooterRenderer.render(.withdraw, templates: t, purposes: [], links: FooterLinks(withdrawURL: "{purposes}"))!
        #expect(f.text == "{purposes} {x}")
    }

    @Test func kindsAndLanguages() {
        let fr = FooterTemplates.defaults(.fr)
        let w = FooterRenderer.render(.withdraw, templates: fr, purposes: [.openMeasurement, .fraudDetection], links: FooterLinks(withdrawURL: "https://x/w/T"))!
        #expect(w.html.contains("href=\"https://x/w/T\""))
        #expect(w.html.contains("mesure d&#39;ouverture, détection de fraude"))
        #expect(w.text.contains("https://x/w/T"))
        let a = FooterRenderer.render(.ask, templates: .defaults(.en), purposes: [], links: FooterLinks(preferencesURL: "https://x/p/T"))!
        #expect(a.html.contains("https://x/p/T") && a.text.contains("https://x/p/T"))
        #expect(FooterRenderer.render(.none, templates: fr, purposes: [], links: FooterLinks()) == nil)
    }

    @Test func validation() throws {
        try FooterTemplates.defaults(.fr).validate()
        try FooterTemplates.defaults(.en).validate()
        #expect(throws: PolicyError.self) { try FooterTemplates(language: .en, htmlWithdraw: "no link").validate() }
        #expect(throws: PolicyError.self) { try FooterTemplates(language: .en, textAsk: "{preferences_url} {withdrawl_url}").validate() }
        // CSS braces are not placeholders.
        try FooterTemplates(language: .en, htmlWithdraw: "<style>p{color:red}</style>{withdraw_url}").validate()
    }
}

/// `FooterRenderer.fill` against the byte-by-byte loop it replaced (kept here as the reference), on
/// random templates with placeholders, unknown and unbalanced braces, and non-ASCII text.
@Suite struct FooterFillEquivalenceTests {
    static func reference(_ template: String, _ values: [String: String], escape: (String) -> String) -> String {
        let t = Array(template.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < t.count {
            let b = t[i]
            if b == 0x7B, let close = t[(i + 1)...].firstIndex(of: 0x7D),
               let v = values[String(decoding: t[i...close], as: UTF8.self)] {
                out.append(contentsOf: escape(v).utf8)
                i = close + 1
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func sameTextAsTheByteLoop() {
        let values = ["{withdraw_url}": "https://c.example/w/T?a=1&b=<2>", "{purposes}": "mesure d'ouverture, \"x\"",
                      "{policy_url}": "", "{preferences_url}": "https://c.example/p/é"]
        let pieces = ["{withdraw_url}", "{purposes}", "{policy_url}", "{preferences_url}", "{unknown}", "{", "}", "{{", "}}",
                      "{withdraw_url", "text ", "é", "🙂", "\n", "<a href=\"", "\">", "{}", "x{y}z"]
        for _ in 0..<3_000 {
            let template = (0..<Int.random(in: 0...12)).map { _ in pieces.randomElement()! }.joined()
            #expect(FooterRenderer.fill(template, values, escape: HTMLEscape.escape) == Self.reference(template, values, escape: HTMLEscape.escape), "\(template)")
            #expect(FooterRenderer.fill(template, values, escape: { $0 }) == Self.reference(template, values, escape: { $0 }))
        }
        #expect(FooterRenderer.fill("", values, escape: { $0 }) == "")
    }
}

@Suite struct PolicyByteScanTests {
    @Test func firstIndexAgreesWithALinearSearchAndNeverTraps() {
        for _ in 0..<1_000 {
            let bytes = (0..<Int.random(in: 0...40)).map { _ in [UInt8(10), 13, 0x7B, 0x7D, 0x61].randomElement()! }
            let from = Int.random(in: -2...45)
            let byte = [UInt8(10), 0x7B, 0x7D].randomElement()!
            let expected = from < 0 ? nil : bytes.indices.first { $0 >= from && bytes[$0] == byte }
            bytes.withUnsafeBufferPointer { #expect(ByteScan.firstIndex(of: byte, in: $0, from: from) == expected, "\(bytes) \(from)") }
        }
    }
}

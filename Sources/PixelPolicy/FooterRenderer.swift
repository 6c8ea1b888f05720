// FooterRenderer: fills a footer template for one recipient. Guarantees: every value inserted into
// an HTML template is HTML-escaped (`& < > " '`), text templates get the raw values, and a template
// is filled in one left-to-right pass so a value containing a placeholder is never expanded again.
// The output uses "\n" line ends; the caller adapts them to the part (CRLF in mail).

public struct FooterLinks: Sendable, Equatable {
    public var withdrawURL: String?
    public var preferencesURL: String?

    public init(withdrawURL: String? = nil, preferencesURL: String? = nil) {
        self.withdrawURL = withdrawURL
        self.preferencesURL = preferencesURL
    }
}

public struct RenderedFooter: Sendable, Equatable {
    public var html: String
    public var text: String
}

public enum FooterRenderer {
    /// The footer for `kind`, or nil for `.none`.
    public static func render(_ kind: FooterKind, templates: FooterTemplates, purposes: [Purpose], links: FooterLinks) -> RenderedFooter? {
        let (h, t): (String, String)
        switch kind {
        case .none: return nil
        case .withdraw: (h, t) = (templates.htmlWithdraw, templates.textWithdraw)
        case .ask: (h, t) = (templates.htmlAsk, templates.textAsk)
        }
        let values = [
            "{withdraw_url}": links.withdrawURL ?? "",
            "{preferences_url}": links.preferencesURL ?? "",
            "{purposes}": purposes.map(templates.label).joined(separator: ", "),
            "{policy_url}": templates.policyURL,
        ]
        return RenderedFooter(html: fill(h, values, escape: HTMLEscape.escape), text: fill(t, values, escape: { $0 }))
    }

    /// Replaces each `{name}` found in `values` by its escaped value; other braces stay. Works on the
    /// UTF-8 bytes (braces are ASCII), not on Characters: this runs for every footer rendered, so
    /// the text between placeholders is found with `memchr` and copied in runs.
    static func fill(_ template: String, _ values: [String: String], escape: (String) -> String) -> String {
        var template = template
        return template.withUTF8 { t in
            var out: [UInt8] = []
            out.reserveCapacity(t.count + 512)
            var i = 0
            while i < t.count {
                guard let open = ByteScan.firstIndex(of: 0x7B, in: t, from: i) else {  // '{'
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: t[i...]))
                    break
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: t[i..<open]))
                if let close = ByteScan.firstIndex(of: 0x7D, in: t, from: open + 1),  // '}'
                   let v = values[String(decoding: UnsafeBufferPointer(rebasing: t[open...close]), as: UTF8.self)] {
                    out.append(contentsOf: escape(v).utf8)
                    i = close + 1
                } else {
                    out.append(0x7B)
                    i = open + 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

public enum HTMLEscape {
    /// Escapes text for HTML content and quoted attribute values.
    public static func escape(_ s: String) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 32)
        for b in utf8 {
            switch b {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

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

    static func fill(_ template: String, _ values: [String: String], escape: (String) -> String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            if let close = rest[open...].firstIndex(of: "}"), let v = values[String(rest[open...close])] {
                out += escape(v)
                rest = rest[rest.index(after: close)...]
            } else {
                out.append("{")
                rest = rest[rest.index(after: open)...]
            }
        }
        out += rest
        return out
    }
}

public enum HTMLEscape {
    /// Escapes text for HTML content and quoted attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

// PurposeAttribution: which purposes a tracker serves, in DESIGN order ("How a tracker's purpose is
// declared"): the element's own `data-tracking-purpose` attribute, else the message's
// `Tracking-Purposes` header, else the first configured rule matching the URL, else `unspecified`.
// Guarantees: tokens are parsed leniently (irregular spacing, commas or spaces, any case for known
// ids) but never invented; an unknown id is kept verbatim as `DeclaredPurpose.unknown` and can never
// be consented; duplicates are dropped keeping the first occurrence. An empty attribute or header
// counts as absent (it declares nothing) so the next source applies.

/// Where a tracker's purposes came from.
public enum PurposeSource: String, Sendable, Equatable {
    case attribute
    case header
    case rule
    case unspecified
}

/// The purposes attributed to one tracker, and their source.
public struct PurposeAttribution: Sendable, Equatable {
    public var purposes: [DeclaredPurpose]
    public var source: PurposeSource

    public init(purposes: [DeclaredPurpose], source: PurposeSource) {
        self.purposes = purposes
        self.source = source
    }

    public static let unspecified = PurposeAttribution(purposes: [], source: .unspecified)

    /// Applies the DESIGN order. `attributeTokens` is nil when the element has no attribute;
    /// `header` is the parsed `Tracking-Purposes` (nil when absent); `rule` the purposes of the first
    /// configured rule matching the URL (nil when none matched).
    public static func attribute(attributeTokens: [String]?, header: [DeclaredPurpose]?, rule: [DeclaredPurpose]?) -> PurposeAttribution {
        if let tokens = attributeTokens {
            let parsed = PurposeList.parse(tokens: tokens)
            if !parsed.isEmpty { return PurposeAttribution(purposes: parsed, source: .attribute) }
        }
        if let header, !header.isEmpty { return PurposeAttribution(purposes: header, source: .header) }
        if let rule, !rule.isEmpty { return PurposeAttribution(purposes: rule, source: .rule) }
        return .unspecified
    }
}

/// Parsing of purpose lists as written in messages and configs.
public enum PurposeList {
    /// Parses a `Tracking-Purposes` header value: comma separated, with irregular spacing; spaces,
    /// tabs and semicolons are accepted as separators too.
    public static func parseHeader(_ value: String) -> [DeclaredPurpose] {
        parse(tokens: split(value))
    }

    /// Parses a `data-tracking-purpose` attribute value: space separated (commas tolerated).
    public static func parseAttribute(_ value: String) -> [DeclaredPurpose] {
        parse(tokens: split(value))
    }

    /// Turns raw tokens into purposes: known ids match case-insensitively, others stay verbatim.
    public static func parse(tokens: [String]) -> [DeclaredPurpose] {
        var out: [DeclaredPurpose] = []
        for raw in tokens.flatMap(split) {
            let p: DeclaredPurpose
            if let known = Purpose(id: raw.lowercased()) { p = .known(known) } else { p = .unknown(raw) }
            if !out.contains(p) { out.append(p) }
        }
        return out
    }

    /// Parses a list of purpose ids given by an operator (CLI or config): unknown ids are an error
    /// naming the id. `none` alone means the empty list.
    public static func parseStrict(_ value: String) throws(PolicyError) -> [Purpose] {
        let tokens = split(value)
        if tokens.count == 1, tokens[0].lowercased() == "none" { return [] }
        var out: [Purpose] = []
        for t in tokens {
            guard let p = Purpose(id: t.lowercased()) else { throw .unknownPurpose(t) }
            if !out.contains(p) { out.append(p) }
        }
        return out
    }

    /// Splits on the ASCII separators' bytes (a Character split was a noticeable share of the
    /// per-message cost, and never split at a CRLF, which is one Character).
    static func split(_ value: String) -> [String] {
        value.utf8.split(whereSeparator: { $0 == 0x2C || $0 == 0x20 || $0 == 0x09 || $0 == 0x3B || $0 == 0x0D || $0 == 0x0A })
            .map { String(Substring($0)) }
    }
}

/// Errors raised by policy parsing and configuration.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownPurpose(String)
    case badKey(String)
    case keyFile(String)
    case badTemplate(String)

    public var description: String {
        switch self {
        case .unknownPurpose(let p): return "unknown purpose \"\(p)\" (known: \(Purpose.allCases.map(\.id).joined(separator: ", ")))"
        case .badKey(let s): return "bad token key: \(s)"
        case .keyFile(let s): return "token key file: \(s)"
        case .badTemplate(let s): return "bad footer template: \(s)"
        }
    }
}

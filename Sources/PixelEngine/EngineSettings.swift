// EngineSettings: every knob of the engine, with defaults (config `[engine]`, `[footer]`,
// `[general] public_url`). Each limit is a named setting; the pixelgate target fills these from the
// TOML config (EngineConfig) and `check-config` prints them.
import PixelHTML
import PixelMIME
import PixelPolicy

/// What to do with a message the engine cannot analyse safely (DESIGN "Failure rules").
public enum OnUnparseable: String, Sendable, CaseIterable {
    /// Refuse it: 554 5.6.0 in the relay, exit 65 in `filter`.
    case reject
    /// Deliver it unchanged, and log it.
    case pass
}

/// A configured purpose rule: tracker URLs matching host and path globs serve these purposes.
public struct PurposeRule: Sendable {
    public var urlRule: URLRule
    public var purposes: [DeclaredPurpose]

    public init(urlRule: URLRule, purposes: [DeclaredPurpose]) {
        self.urlRule = urlRule
        self.purposes = purposes
    }
}

public struct EngineSettings: Sendable {
    public static let defaultMaxHTMLPart = 10 << 20

    /// MIME parser limits: depth, parts, header size, boundary and header-line length.
    public var mimeLimits: MIMELimits
    /// Largest decoded text/html or text/x-amp-html part analysed; larger -> unparseable.
    public var maxHTMLPart: Int
    public var onUnparseable: OnUnparseable
    /// Add a "choose your preferences" footer for recipients who never expressed a choice.
    public var askConsent: Bool
    /// Base URL of the gate, withdrawal and preferences pages (no trailing slash).
    public var publicURL: String
    public var footer: FooterTemplates
    /// Operator purpose rules, first match wins (DESIGN attribution step 3).
    public var rules: [PurposeRule]

    public init(mimeLimits: MIMELimits = .default, maxHTMLPart: Int = EngineSettings.defaultMaxHTMLPart,
                onUnparseable: OnUnparseable = .reject, askConsent: Bool = false,
                publicURL: String = "http://127.0.0.1:8025", footer: FooterTemplates = .defaults(.fr),
                rules: [PurposeRule] = []) {
        self.mimeLimits = mimeLimits
        self.maxHTMLPart = maxHTMLPart
        self.onUnparseable = onUnparseable
        self.askConsent = askConsent
        var u = publicURL
        while u.hasSuffix("/") { u.removeLast() }
        self.publicURL = u
        self.footer = footer
        self.rules = rules
    }
}

/// Why the engine refused to analyse a message; the caller applies `on_unparseable`.
public enum EngineFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unparseable(String)

    public var description: String {
        switch self {
        case .unparseable(let r): return "message cannot be analysed safely: \(r)"
        }
    }
}

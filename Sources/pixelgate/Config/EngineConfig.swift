// EngineConfig: the config sections of the tracker engine, read through ConfigReader (strict: unknown
// keys are errors naming the key). Sections and defaults:
//   [engine]  on_unparseable = "reject" | "pass", max_html_part = "10M", max_mime_depth = 32,
//             max_parts = 1000, max_header_size = "1M", max_boundary_length = 200,
//             max_header_line = "1M", ask_consent = false, signatures_file = "" (extends the
//             shipped list), consent_timeout = "10s" (bound on awaiting the lookups
//             started at RCPT), [[engine.rules]] host = "glob", path = "glob", purposes = [...]
//   [tokens]  key_file = "" (default <state_dir>/token.key, generated), key = "" (hex/base64,
//             overrides key_file), key_id = 1
//   [footer]  language = "fr" | "en", html_withdraw, text_withdraw, html_ask, text_ask, policy_url
// `on_store_error` is read from [store] and `shadow` from [server]; the planner takes both from there.
import Foundation
import PixelEngine
import PixelHTML
import PixelMIME
import PixelPolicy
import TOMLKit

/// One `[[engine.rules]]` entry, as written.
struct EngineRuleConfig: Equatable {
    var host: String
    var path: String
    var purposes: [String]
}

struct EngineConfig {
    var onUnparseable: OnUnparseable = .reject
    var maxHTMLPart = EngineSettings.defaultMaxHTMLPart
    var maxMIMEDepth = MIMELimits.defaultMaxDepth
    var maxParts = MIMELimits.defaultMaxParts
    var maxHeaderSize = MIMELimits.defaultMaxHeaderSize
    var maxBoundaryLength = MIMELimits.defaultMaxBoundaryLength
    var maxHeaderLine = MIMELimits.defaultMaxLineLength
    var askConsent = false
    var signaturesFile = ""
    var consentTimeout: Double = 10
    var rules: [EngineRuleConfig] = []

    var tokenKeyFile = ""
    var tokenKey = ""
    var tokenKeyID = 1

    var footerLanguage: FooterLanguage = .fr
    var footer = FooterTemplates.defaults(.fr)

    init() {}

    init(reader: ConfigReader) throws(ConfigError) {
        let e = try reader.section("engine")
        onUnparseable = OnUnparseable(rawValue: try e.choice("on_unparseable", OnUnparseable.allCases.map(\.rawValue), default: onUnparseable.rawValue))!
        maxHTMLPart = try e.size("max_html_part", default: maxHTMLPart)
        maxMIMEDepth = try e.int("max_mime_depth", default: maxMIMEDepth, range: 1...1000)
        maxParts = try e.int("max_parts", default: maxParts, range: 1...1_000_000)
        maxHeaderSize = try e.size("max_header_size", default: maxHeaderSize)
        maxBoundaryLength = try e.int("max_boundary_length", default: maxBoundaryLength, range: 1...10_000)
        maxHeaderLine = try e.size("max_header_line", default: maxHeaderLine)
        askConsent = try e.bool("ask_consent", default: askConsent)
        signaturesFile = try e.string("signatures_file", default: signaturesFile)
        consentTimeout = try e.duration("consent_timeout", default: consentTimeout)
        rules = try Self.readRules(e.rawValue("rules"), path: reader.path)
        if maxHTMLPart < 1 { throw ConfigError("\(reader.path): engine.max_html_part must be positive") }

        let t = try reader.section("tokens")
        tokenKeyFile = try t.string("key_file", default: tokenKeyFile)
        tokenKey = try t.string("key", default: tokenKey)
        tokenKeyID = try t.int("key_id", default: tokenKeyID, range: 0...255)

        let f = try reader.section("footer")
        footerLanguage = FooterLanguage(rawValue: try f.choice("language", FooterLanguage.allCases.map(\.rawValue), default: footerLanguage.rawValue))!
        footer = FooterTemplates(language: footerLanguage,
                                 htmlWithdraw: try f.optionalString("html_withdraw"),
                                 textWithdraw: try f.optionalString("text_withdraw"),
                                 htmlAsk: try f.optionalString("html_ask"),
                                 textAsk: try f.optionalString("text_ask"),
                                 policyURL: try f.string("policy_url", default: ""))
        do { try footer.validate() } catch { throw ConfigError("\(reader.path): \(error.description)") }
        // Rules are checked now so that a bad purpose is a config error, not a runtime surprise.
        _ = try purposeRules(path: reader.path)
    }

    static func readRules(_ raw: TOMLValueConvertible?, path: String) throws(ConfigError) -> [EngineRuleConfig] {
        guard let raw else { return [] }
        guard let array = raw.array else { throw ConfigError("\(path): engine.rules must be an array of tables ([[engine.rules]])") }
        var out: [EngineRuleConfig] = []
        for (n, item) in array.enumerated() {
            let at = "\(path): engine.rules[\(n)]"
            guard let table = item.table else { throw ConfigError("\(at) must be a table") }
            for key in table.keys where !["host", "path", "purposes"].contains(key) {
                throw ConfigError("\(at): unknown key \(key)")
            }
            let host = table["host"]?.string ?? "*"
            let pathGlob = table["path"]?.string ?? "*"
            if table["host"] != nil && table["host"]?.string == nil { throw ConfigError("\(at).host must be a string") }
            if table["path"] != nil && table["path"]?.string == nil { throw ConfigError("\(at).path must be a string") }
            var purposes: [String] = []
            if let s = table["purposes"]?.string {
                purposes = [s]
            } else if let a = table["purposes"]?.array {
                for p in a {
                    guard let s = p.string else { throw ConfigError("\(at).purposes must be a list of strings") }
                    purposes.append(s)
                }
            } else {
                throw ConfigError("\(at).purposes is required (a list of purpose ids)")
            }
            out.append(EngineRuleConfig(host: host, path: pathGlob, purposes: purposes))
        }
        return out
    }

    /// The rules as the engine uses them; an unknown purpose id is an error naming it.
    func purposeRules(path: String) throws(ConfigError) -> [PurposeRule] {
        var out: [PurposeRule] = []
        for (n, r) in rules.enumerated() {
            let purposes: [Purpose]
            do { purposes = try PurposeList.parseStrict(r.purposes.joined(separator: ",")) } catch {
                throw ConfigError("\(path): engine.rules[\(n)]: \(error.description)")
            }
            if purposes.isEmpty { throw ConfigError("\(path): engine.rules[\(n)].purposes is empty") }
            out.append(PurposeRule(urlRule: URLRule(hostGlob: r.host, pathGlob: r.path, purposes: purposes.map(\.id)),
                                   purposes: purposes.map { .known($0) }))
        }
        return out
    }

    var mimeLimits: MIMELimits {
        MIMELimits(maxDepth: maxMIMEDepth, maxBoundaryLength: maxBoundaryLength, maxHeaderSize: maxHeaderSize,
                   maxParts: maxParts, maxLineLength: maxHeaderLine)
    }

    func effectiveSettings() -> [(String, String)] {
        var out: [(String, String)] = [
            ("engine.on_unparseable", onUnparseable.rawValue),
            ("engine.max_html_part", String(maxHTMLPart)),
            ("engine.max_mime_depth", String(maxMIMEDepth)),
            ("engine.max_parts", String(maxParts)),
            ("engine.max_header_size", String(maxHeaderSize)),
            ("engine.max_boundary_length", String(maxBoundaryLength)),
            ("engine.max_header_line", String(maxHeaderLine)),
            ("engine.ask_consent", String(askConsent)),
            ("engine.signatures_file", signaturesFile.isEmpty ? "\"\" (shipped list only)" : signaturesFile),
            ("engine.consent_timeout", "\(consentTimeout)s"),
        ]
        for (n, r) in rules.enumerated() {
            out.append(("engine.rules[\(n)]", "host=\(r.host) path=\(r.path) purposes=\(r.purposes.joined(separator: ","))"))
        }
        out += [
            ("tokens.key_file", tokenKeyFile.isEmpty ? "\"\" (<state_dir>/token.key)" : tokenKeyFile),
            ("tokens.key", tokenKey.isEmpty ? "\"\"" : "(set, hidden)"),
            ("tokens.key_id", String(tokenKeyID)),
            ("footer.language", footerLanguage.rawValue),
            ("footer.html_withdraw", footer.htmlWithdraw),
            ("footer.text_withdraw", footer.textWithdraw),
            ("footer.html_ask", footer.htmlAsk),
            ("footer.text_ask", footer.textAsk),
            ("footer.policy_url", footer.policyURL),
        ]
        return out.map { ($0.0, $0.1.replacingOccurrences(of: "\n", with: "\\n")) }
    }
}

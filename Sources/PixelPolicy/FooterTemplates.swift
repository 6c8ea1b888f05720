// FooterTemplates: the text of the withdrawal and "choose your preferences" footers, French and
// English by default, overridable in config `[footer]`. Placeholders: `{withdraw_url}`,
// `{preferences_url}`, `{purposes}`, `{policy_url}`. Guarantees: `validate` rejects an unknown
// placeholder and a withdraw (ask) template without its `{withdraw_url}` (`{preferences_url}`), so a
// footer can never lose its link.

public enum FooterLanguage: String, Sendable, CaseIterable {
    case fr
    case en
}

public struct FooterTemplates: Sendable, Equatable {
    public var language: FooterLanguage
    public var htmlWithdraw: String
    public var textWithdraw: String
    public var htmlAsk: String
    public var textAsk: String
    /// Link to the sender's full privacy policy (may be empty).
    public var policyURL: String

    public static let placeholders = ["{withdraw_url}", "{preferences_url}", "{purposes}", "{policy_url}"]

    public init(language: FooterLanguage, htmlWithdraw: String? = nil, textWithdraw: String? = nil,
                htmlAsk: String? = nil, textAsk: String? = nil, policyURL: String = "") {
        let d = Self.defaults(language)
        self.language = language
        self.htmlWithdraw = htmlWithdraw ?? d.htmlWithdraw
        self.textWithdraw = textWithdraw ?? d.textWithdraw
        self.htmlAsk = htmlAsk ?? d.htmlAsk
        self.textAsk = textAsk ?? d.textAsk
        self.policyURL = policyURL
    }

    private init(language: FooterLanguage, hw: String, tw: String, ha: String, ta: String) {
        self.language = language
        htmlWithdraw = hw; textWithdraw = tw; htmlAsk = ha; textAsk = ta; policyURL = ""
    }

    public static func defaults(_ language: FooterLanguage) -> FooterTemplates {
        switch language {
        case .fr:
            return FooterTemplates(language: .fr,
                hw: "<p style=\"font-size:12px;color:#666666\">Ce message contient un suivi auquel vous avez consenti ({purposes}). <a href=\"{withdraw_url}\">Retirer mon consentement</a></p>",
                tw: "\n-- \nCe message contient un suivi auquel vous avez consenti ({purposes}).\nRetirer mon consentement : {withdraw_url}\n",
                ha: "<p style=\"font-size:12px;color:#666666\">Vous n'avez pas encore choisi si vous acceptez le suivi de nos messages. <a href=\"{preferences_url}\">Choisir mes préférences</a></p>",
                ta: "\n-- \nVous n'avez pas encore choisi si vous acceptez le suivi de nos messages.\nChoisir mes préférences : {preferences_url}\n")
        case .en:
            return FooterTemplates(language: .en,
                hw: "<p style=\"font-size:12px;color:#666666\">This message contains tracking you consented to ({purposes}). <a href=\"{withdraw_url}\">Withdraw my consent</a></p>",
                tw: "\n-- \nThis message contains tracking you consented to ({purposes}).\nWithdraw my consent: {withdraw_url}\n",
                ha: "<p style=\"font-size:12px;color:#666666\">You have not yet chosen whether you accept tracking in our messages. <a href=\"{preferences_url}\">Choose my preferences</a></p>",
                ta: "\n-- \nYou have not yet chosen whether you accept tracking in our messages.\nChoose my preferences: {preferences_url}\n")
        }
    }

    /// Checks every template: known placeholders only, and each footer keeps its link.
    public func validate() throws(PolicyError) {
        let all = [("html_withdraw", htmlWithdraw, "{withdraw_url}"), ("text_withdraw", textWithdraw, "{withdraw_url}"),
                   ("html_ask", htmlAsk, "{preferences_url}"), ("text_ask", textAsk, "{preferences_url}")]
        for (name, t, required) in all {
            guard t.contains(required) else { throw .badTemplate("footer.\(name) must contain \(required)") }
            var rest = Substring(t)
            while let open = rest.firstIndex(of: "{") {
                guard let close = rest[open...].firstIndex(of: "}") else { break }
                let ph = String(rest[open...close])
                if ph.allSatisfy({ $0 == "{" || $0 == "}" || $0 == "_" || $0.isLetter }), !Self.placeholders.contains(ph) {
                    throw .badTemplate("footer.\(name): unknown placeholder \(ph)")
                }
                rest = rest[rest.index(after: open)...]
            }
        }
    }

    /// Short human label of a purpose in the footer's language.
    public func label(_ p: Purpose) -> String {
        switch (language, p) {
        case (.fr, .openMeasurement): return "mesure d'ouverture"
        case (.fr, .frequencyAdaptation): return "adaptation de la fréquence d'envoi"
        case (.fr, .personalization): return "personnalisation"
        case (.fr, .crossChannel): return "ciblage sur d'autres canaux"
        case (.fr, .fraudDetection): return "détection de fraude"
        case (.fr, .authenticationSecurity): return "sécurité de l'authentification"
        case (.fr, .anonymousStatistics): return "statistiques anonymes"
        case (.en, .openMeasurement): return "open measurement"
        case (.en, .frequencyAdaptation): return "sending frequency adaptation"
        case (.en, .personalization): return "personalisation"
        case (.en, .crossChannel): return "targeting on other channels"
        case (.en, .fraudDetection): return "fraud detection"
        case (.en, .authenticationSecurity): return "authentication security"
        case (.en, .anonymousStatistics): return "anonymous statistics"
        }
    }
}

// AnonymousStatistics: verification of an `anonymous_statistics` claim (DESIGN "Rules").
// A claim holds only when (1) the URL carries no identifier of any recipient of the message (the
// caller finds identifiers: plain, lower-case, URL-encoded, base64, MD5/SHA-1/SHA-256 hex), (2) the
// message names its campaign in `Tracking-Campaign`, and (3) the `CampaignRegistry` accepts the URL
// as the campaign's one URL, across messages. Checks run in that order and the registry is consulted
// only when the first two pass, so a URL carrying an identifier never becomes a campaign's URL.
// A failing claim makes the tracker `unspecified`; the failure says why, for the log.

/// Why an `anonymous_statistics` claim was refused.
public enum AnonymousStatisticsFailure: Sendable, Equatable, CustomStringConvertible {
    /// The URL carries a recipient identifier in this form (plain, lowercase, urlencoded, base64, md5, sha1, sha256).
    case recipientIdentifier(form: String)
    /// No `Tracking-Campaign` header.
    case missingCampaign
    /// The campaign already uses another URL.
    case urlDiffersForCampaign(String)
    /// The registry could not answer; the claim is refused (fail closed).
    case registryUnavailable(String)

    public var description: String {
        switch self {
        case .recipientIdentifier(let f): return "url carries a recipient identifier (\(f))"
        case .missingCampaign: return "no Tracking-Campaign header"
        case .urlDiffersForCampaign(let c): return "url differs from campaign \(c)'s url"
        case .registryUnavailable(let e): return "campaign registry unavailable: \(e)"
        }
    }
}

public enum AnonymousStatisticsVerdict: Sendable, Equatable {
    case verified
    case refused(AnonymousStatisticsFailure)
}

public enum AnonymousStatisticsVerifier {
    /// Verifies one claim. `identifierForm` is the form of the first recipient identifier found in
    /// the URL (nil when none); `campaign` the trimmed `Tracking-Campaign` value (nil/empty when absent).
    public static func verify(url: String, campaign: String?, identifierForm: String?, registry: any CampaignRegistry) -> AnonymousStatisticsVerdict {
        if let form = identifierForm { return .refused(.recipientIdentifier(form: form)) }
        guard let campaign, !campaign.isEmpty else { return .refused(.missingCampaign) }
        do {
            return try registry.register(campaign: campaign, url: url) ? .verified : .refused(.urlDiffersForCampaign(campaign))
        } catch {
            return .refused(.registryUnavailable("\(error)"))
        }
    }
}

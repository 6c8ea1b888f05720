// Evidence: the JSON proof stored with every consent change made on the web side (issue 5 "Evidence
// on every change"): `at`, `purposes`, `method`, `page_sha256` (hex SHA-256 of the exact page HTML
// shown with the form, re-rendered from the token, language, shown state and nonce), `ip_hash`
// (HMAC-SHA256 of the client IP under a key derived from the token key), `user_agent`, plus the
// `language`, `choice` and the token's `campaign`. Guarantees: valid JSON with sorted keys; the user
// agent is cut to 512 characters.
import Foundation
import PixelCrypto
import PixelPolicy
import PixelStore

enum EvidenceMethod: String {
    case preferencesPage = "preferences_page"
    case withdrawLink = "withdraw_link"
    case api
}

enum Evidence {
    static func web(method: EvidenceMethod, at: Date, purposes: [Purpose], page: String, request: WebRequest,
                    keys: WebKeys, language: FooterLanguage, choice: String, campaign: String?) -> String {
        var o: [String: Any] = [
            "at": TimeFormat.format(at),
            "purposes": purposes.map(\.id),
            "method": method.rawValue,
            "page_sha256": Digest.hex(Digest.sha256(Array(page.utf8))),
            "ip_hash": keys.hashIP(request.clientIP),
            "user_agent": String((request.header("user-agent") ?? "").prefix(512)),
            "language": language.rawValue,
            "choice": choice,
        ]
        if let campaign { o["campaign"] = campaign }
        return json(o)
    }

    static func json(_ o: Any) -> String {
        guard let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}

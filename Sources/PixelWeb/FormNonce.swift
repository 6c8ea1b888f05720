// FormNonce: the hidden `nonce` of every POST form, stateless (DESIGN: pages keep no server state).
// A nonce is `bucket.lang.shown.mac`: the time bucket (minutes since the epoch / 10), the page
// language, the state the page showed ("10010" per consentable purpose, "-" for the withdrawal
// page), and base64url(HMAC-SHA256(nonce key, token|bucket|lang|shown)). Guarantees: a nonce only
// validates for the token it was issued with, for `form_max_age`, and its `lang` and `shown` fields
// cannot be altered; so the POST handler can re-render the exact page that was shown (same token,
// language, state and nonce) and hash it for the evidence.
import Foundation
import PixelCrypto
import PixelPolicy

struct ShownForm: Equatable {
    var language: FooterLanguage
    /// The state shown: per consentable purpose, granted or not (empty for the withdrawal page).
    var shown: [Purpose: Bool]
}

struct FormNonce {
    static let bucketSeconds: Int64 = 600
    let key: [UInt8]
    let maxAge: Double

    static func encodeShown(_ shown: [Purpose: Bool]) -> String {
        if shown.isEmpty { return "-" }
        return String(Purpose.consentable.map { shown[$0] == true ? "1" : "0" })
    }

    static func decodeShown(_ s: String) -> [Purpose: Bool]? {
        if s == "-" { return [:] }
        guard s.count == Purpose.consentable.count, s.allSatisfy({ $0 == "0" || $0 == "1" }) else { return nil }
        var out: [Purpose: Bool] = [:]
        for (p, c) in zip(Purpose.consentable, s) { out[p] = c == "1" }
        return out
    }

    private func mac(token: String, bucket: Int64, lang: String, shown: String) -> String {
        Base64URL.encode(Digest.hmacSHA256(key: key, Array("\(token)|\(bucket)|\(lang)|\(shown)".utf8)))
    }

    func issue(token: String, form: ShownForm, now: Date) -> String {
        let bucket = Int64(now.timeIntervalSince1970) / Self.bucketSeconds
        let shown = Self.encodeShown(form.shown)
        return "\(bucket).\(form.language.rawValue).\(shown).\(mac(token: token, bucket: bucket, lang: form.language.rawValue, shown: shown))"
    }

    /// The form the nonce was issued with, or nil when forged, for another token, or too old.
    func verify(_ nonce: String, token: String, now: Date) -> ShownForm? {
        let parts = nonce.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let bucket = Int64(parts[0]), let lang = FooterLanguage(rawValue: parts[1]),
              let shown = Self.decodeShown(parts[2]) else { return nil }
        let expected = Array(mac(token: token, bucket: bucket, lang: parts[1], shown: parts[2]).utf8)
        guard Digest.constantTimeEqual(expected, Array(parts[3].utf8)) else { return nil }
        let current = Int64(now.timeIntervalSince1970) / Self.bucketSeconds
        let maxBuckets = Int64((maxAge / Double(Self.bucketSeconds)).rounded(.up))
        guard bucket <= current, current - bucket <= maxBuckets else { return nil }
        return ShownForm(language: lang, shown: shown)
    }
}

// PolicyLinks: the recipient-facing URLs built from tokens (DESIGN "Gate, footer and tokens"):
// gate `{public_url}/o/{token}`, withdrawal `{public_url}/w/{token}`, preferences
// `{public_url}/p/{token}`. Guarantees: one token per URL, sealed with the keyring's current key; the
// public URL is used without its trailing slashes.
import Foundation

public struct PolicyLinks: Sendable {
    public let publicURL: String
    public let keyring: TokenKeyring
    public let now: @Sendable () -> Date

    public init(publicURL: String, keyring: TokenKeyring, now: @escaping @Sendable () -> Date = { Date() }) {
        var u = publicURL
        while u.hasSuffix("/") { u.removeLast() }
        self.publicURL = u
        self.keyring = keyring
        self.now = now
    }

    private var issuedAt: Int64 { Int64(now().timeIntervalSince1970) }

    public func gate(recipient: String, purposes: [Purpose], url: String, campaign: String?) -> String {
        "\(publicURL)/o/" + keyring.seal(TokenPayload(kind: .gate, recipient: recipient, purposes: purposes, url: url, campaign: campaign, issuedAt: issuedAt))
    }

    public func withdraw(recipient: String, purposes: [Purpose], campaign: String?) -> String {
        "\(publicURL)/w/" + keyring.seal(TokenPayload(kind: .withdraw, recipient: recipient, purposes: purposes, campaign: campaign, issuedAt: issuedAt))
    }

    public func preferences(recipient: String, campaign: String?) -> String {
        "\(publicURL)/p/" + keyring.seal(TokenPayload(kind: .preferences, recipient: recipient, purposes: [], campaign: campaign, issuedAt: issuedAt))
    }
}

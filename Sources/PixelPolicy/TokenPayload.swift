// TokenPayload: what a gate, withdrawal or preferences token carries (DESIGN "Gate, footer and
// tokens"): kind, recipient, purposes, the original URL (gate only), campaign and issue time.
// Encoded as compact JSON with one-letter keys before sealing; decoding rejects unknown kinds and
// purpose ids, so an opened token is always well-formed.
import Foundation

public enum TokenKind: String, Sendable, Codable, Equatable, CaseIterable {
    case gate = "o"
    case withdraw = "w"
    case preferences = "p"
}

public struct TokenPayload: Sendable, Equatable {
    public var kind: TokenKind
    public var recipient: String
    public var purposes: [Purpose]
    /// The original tracker URL (gate tokens only).
    public var url: String?
    public var campaign: String?
    /// Seconds since the Unix epoch.
    public var issuedAt: Int64

    public init(kind: TokenKind, recipient: String, purposes: [Purpose], url: String? = nil, campaign: String? = nil, issuedAt: Int64) {
        self.kind = kind
        self.recipient = recipient
        self.purposes = purposes
        self.url = url
        self.campaign = campaign
        self.issuedAt = issuedAt
    }

    private struct Wire: Codable {
        var k: String
        var r: String
        var p: [String]
        var u: String?
        var c: String?
        var t: Int64
    }

    public func encoded() -> [UInt8] {
        let w = Wire(k: kind.rawValue, r: recipient, p: purposes.map(\.id), u: url, c: campaign, t: issuedAt)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        return Array((try? enc.encode(w)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) -> TokenPayload? {
        guard let w = try? JSONDecoder().decode(Wire.self, from: Data(bytes)), let kind = TokenKind(rawValue: w.k) else { return nil }
        var ps: [Purpose] = []
        for id in w.p {
            guard let p = Purpose(id: id) else { return nil }
            ps.append(p)
        }
        if kind == .gate && w.u == nil { return nil }
        return TokenPayload(kind: kind, recipient: w.r, purposes: ps, url: w.u, campaign: w.c, issuedAt: w.t)
    }
}

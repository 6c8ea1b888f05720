// TokenPayload: what a gate, withdrawal or preferences token carries (DESIGN "Gate, footer and
// tokens"): kind, recipient, purposes, the original URL (gate only), campaign and issue time.
// Encoded as compact JSON with one-letter keys before sealing (TokenPayloadCodec: byte-for-byte the
// output of JSONEncoder with sorted keys and unescaped slashes, so tokens sealed before stay
// openable); decoding rejects unknown kinds and purpose ids, so an opened token is always well-formed.

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

    /// `{"c":…,"k":…,"p":[…],"r":…,"t":…,"u":…}` (absent optionals omitted), UTF-8.
    public func encoded() -> [UInt8] {
        TokenPayloadCodec.encode(self)
    }

    /// Nil unless `bytes` is one JSON object with keys k, r, p, t (and optional u, c), each once,
    /// a known kind, known purpose ids, and a URL when the kind is gate.
    public static func decode(_ bytes: [UInt8]) -> TokenPayload? {
        guard let w = TokenPayloadCodec.decode(bytes), let kind = TokenKind(rawValue: w.k) else { return nil }
        var ps: [Purpose] = []
        ps.reserveCapacity(w.p.count)
        for id in w.p {
            guard let p = Purpose(id: id) else { return nil }
            ps.append(p)
        }
        if kind == .gate && w.u == nil { return nil }
        return TokenPayload(kind: kind, recipient: w.r, purposes: ps, url: w.u, campaign: w.c, issuedAt: w.t)
    }
}

// ServerCapabilities: what pixelgate's server side advertises, and the EHLO/LHLO reply built from it.
// Guarantees: the reply is a 250 without enhanced code (RFC 2034: EHLO lines carry none); STARTTLS
// is listed only when offered and TLS is not active yet; AUTH only when offered and (TLS is active or
// `authWithoutTLS`); XFORWARD only for clients allowed to use it. Keywords come in a fixed order so
// replies are stable for tests.

public struct ServerCapabilities: Sendable, Equatable {
    /// Advertised SIZE; 0 advertises SIZE without a limit.
    public var maxMessageSize: Int
    public var pipelining = true
    public var eightBitMIME = true
    public var smtputf8 = true
    public var enhancedStatusCodes = true
    public var dsn = true
    /// A TLS certificate is configured.
    public var starttlsOffered = false
    /// The session is already encrypted.
    public var tlsActive = false
    /// AUTH is configured (a credentials file exists).
    public var authOffered = false
    /// Advertise AUTH on plaintext sessions too (off by default: AUTH only after STARTTLS).
    public var authWithoutTLS = false
    public var authMechanisms: [String] = ["PLAIN", "LOGIN"]
    /// The client may send XFORWARD (it is in allow_networks).
    public var xforwardAllowed = false
    public static let xforwardAttributes = ["NAME", "ADDR", "PROTO", "HELO", "IDENT", "SOURCE", "PORT", "LOGIN"]
    /// The XFORWARD keyword line (joined once, not on every EHLO).
    static let xforwardKeywordLine = "XFORWARD " + xforwardAttributes.joined(separator: " ")

    public init(maxMessageSize: Int, starttlsOffered: Bool = false, tlsActive: Bool = false,
                authOffered: Bool = false, xforwardAllowed: Bool = false) {
        self.maxMessageSize = max(0, maxMessageSize)
        self.starttlsOffered = starttlsOffered
        self.tlsActive = tlsActive
        self.authOffered = authOffered
        self.xforwardAllowed = xforwardAllowed
    }

    /// Whether AUTH is usable right now.
    public var authAdvertised: Bool { authOffered && !authMechanisms.isEmpty && (tlsActive || authWithoutTLS) }

    /// The extension keywords, in order.
    public var keywordLines: [String] {
        var l: [String] = []
        l.reserveCapacity(10)
        if pipelining { l.append("PIPELINING") }
        l.append(maxMessageSize > 0 ? "SIZE " + String(maxMessageSize) : "SIZE")
        if starttlsOffered && !tlsActive { l.append("STARTTLS") }
        if authAdvertised { l.append("AUTH " + authMechanisms.joined(separator: " ")) }
        if enhancedStatusCodes { l.append("ENHANCEDSTATUSCODES") }
        if eightBitMIME { l.append("8BITMIME") }
        if dsn { l.append("DSN") }
        if smtputf8 { l.append("SMTPUTF8") }
        if xforwardAllowed { l.append(Self.xforwardKeywordLine) }
        return l
    }
}

/// The 250 reply to EHLO or LHLO: the host name, then one keyword per line.
public func ehloLines(hostname: String, capabilities: ServerCapabilities) -> SMTPReply {
    SMTPReply(code: 250, enhanced: nil, lines: [hostname] + capabilities.keywordLines)
}

extension SMTPReply {
    /// Same as the free function `ehloLines(hostname:capabilities:)`.
    public static func ehlo(hostname: String, capabilities: ServerCapabilities) -> SMTPReply {
        ehloLines(hostname: hostname, capabilities: capabilities)
    }
}

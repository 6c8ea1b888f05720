// ServerSession: the server-side SMTP/LMTP command sequencing as a plain state machine (no I/O).
// The driver parses a command, asks `check` whether it is allowed now (nil) or which reply refuses
// it, performs it (possibly asking upstream), and reports what happened with a `did...` transition.
// Guarantees:
// - Sequencing per RFC 5321/2033/3207/4954: greeting before MAIL; MAIL before RCPT; an accepted RCPT
//   before DATA (554 5.5.1 when every RCPT was refused, 503 5.5.1 when none was sent); no nested
//   MAIL; HELO/EHLO only in SMTP mode and LHLO only in LMTP mode (500 5.5.1 otherwise); STARTTLS once,
//   after EHLO, outside a transaction; AUTH only when offered, after EHLO, once, outside a
//   transaction, and only over TLS unless `authWithoutTLS` (538 5.7.11); XFORWARD only from allowed
//   clients (550 5.7.0) and outside a transaction.
// - Policy: `requireAuthentication` (client outside allow_networks) refuses MAIL/RCPT with 554 5.7.1
//   until AUTH succeeded; recipients over `maxRecipients` get 452 4.5.3; a declared SIZE over
//   `maxMessageSize` gets 552 5.3.4; non-ASCII addresses without SMTPUTF8 get 553 5.6.7.
// - `didStartTLS` forgets everything learnt before TLS (greeting, transaction, authentication).
// - `check` only records the number of RCPT attempts; every other change goes through a transition.

public struct ServerSession: Sendable {
    public enum Mode: String, Sendable, Equatable {
        case smtp
        case lmtp
    }

    public enum State: Sendable, Equatable {
        /// Connected (or TLS just started): waiting for HELO/EHLO/LHLO.
        case connected
        /// Greeted, no transaction.
        case greeted
        /// MAIL accepted, no recipient yet.
        case mail
        /// At least one recipient accepted.
        case rcpt
        /// Reading the message (after 354).
        case data
        /// QUIT received.
        case quit
    }

    /// What the server offers and enforces; each value is a named setting of the relay.
    public struct Policy: Sendable, Equatable {
        /// RFC 5321 4.5.3.1.8 asks for at least 100; Postfix's smtpd_recipient_limit is 1000.
        public var maxRecipients: Int
        /// Largest message accepted, 0 for no limit (also advertised as SIZE).
        public var maxMessageSize: Int
        public var starttlsOffered: Bool
        public var authOffered: Bool
        public var authWithoutTLS: Bool
        public var authMechanisms: [String]
        public var xforwardAllowed: Bool
        /// The client is outside allow_networks: MAIL/RCPT need a successful AUTH.
        public var requireAuthentication: Bool

        public init(maxRecipients: Int = 1000, maxMessageSize: Int = 0, starttlsOffered: Bool = false,
                    authOffered: Bool = false, authWithoutTLS: Bool = false,
                    authMechanisms: [String] = ["PLAIN", "LOGIN"], xforwardAllowed: Bool = false,
                    requireAuthentication: Bool = false) {
            self.maxRecipients = max(1, maxRecipients)
            self.maxMessageSize = max(0, maxMessageSize)
            self.starttlsOffered = starttlsOffered
            self.authOffered = authOffered
            self.authWithoutTLS = authWithoutTLS
            self.authMechanisms = authMechanisms
            self.xforwardAllowed = xforwardAllowed
            self.requireAuthentication = requireAuthentication
        }
    }

    public let mode: Mode
    public var policy: Policy
    public private(set) var state = State.connected
    public private(set) var tlsActive: Bool
    public private(set) var authenticated = false
    /// Recipients accepted in the current transaction.
    public private(set) var recipientCount = 0
    /// RCPT commands allowed by `check` in the current transaction (accepted or not upstream).
    public private(set) var rcptAttempts = 0
    /// The HELO/EHLO/LHLO argument, nil before the greeting.
    public private(set) var heloName: String?
    /// EHLO or LHLO (extensions) rather than HELO.
    public private(set) var extended = false
    /// The accepted MAIL FROM of the current transaction.
    public private(set) var mailFrom: MailFrom?

    /// `tlsActive: true` for a listener with implicit TLS.
    public init(mode: Mode = .smtp, policy: Policy = Policy(), tlsActive: Bool = false) {
        self.mode = mode
        self.policy = policy
        self.tlsActive = tlsActive
    }

    private var greetVerb: String { mode == .lmtp ? "LHLO" : "EHLO/HELO" }
    private var inTransaction: Bool { state == .mail || state == .rcpt }

    /// nil when `cmd` may be performed now, otherwise the reply refusing it.
    public mutating func check(_ cmd: SMTPCommand) -> SMTPReply? {
        switch state {
        case .quit: return .badSequence("Error: session is closing")
        case .data: return .badSequence("Error: message data in progress")
        default: break
        }
        switch cmd {
        case .helo, .ehlo:
            return mode == .smtp ? nil : .unknownCommand
        case .lhlo:
            return mode == .lmtp ? nil : .unknownCommand
        case .mail(let m):
            if state == .connected { return .badSequence("Error: send \(greetVerb) first") }
            if inTransaction { return .badSequence("Error: nested MAIL command") }
            if policy.requireAuthentication && !authenticated { return .accessDenied }
            if m.requiresSMTPUTF8 && !m.smtputf8 { return .utf8AddressWithoutSMTPUTF8 }
            if policy.maxMessageSize > 0, let size = m.size, size > policy.maxMessageSize { return .messageTooBig }
            return nil
        case .rcpt(let r):
            guard inTransaction else { return .badSequence("Error: need MAIL command") }
            if policy.requireAuthentication && !authenticated { return .accessDenied }
            if recipientCount >= policy.maxRecipients { return .tooManyRecipients }
            if r.requiresSMTPUTF8 && !(mailFrom?.smtputf8 ?? false) { return .utf8AddressWithoutSMTPUTF8 }
            rcptAttempts += 1
            return nil
        case .data:
            switch state {
            case .rcpt:
                if mailFrom?.body == .binaryMIME { return .badSequence("Error: BINARYMIME requires BDAT") }
                return nil
            case .mail:
                return rcptAttempts > 0 ? .noValidRecipients : .badSequence("Error: need RCPT command")
            default:
                return .badSequence("Error: need MAIL command")
            }
        case .rset, .noop, .quit, .vrfy, .help:
            return nil
        case .starttls:
            if !policy.starttlsOffered { return .notImplemented }
            if tlsActive { return .badSequence("Error: TLS already active") }
            if state == .connected { return .badSequence("Error: send \(greetVerb) first") }
            if inTransaction { return .badSequence("Error: MAIL transaction in progress") }
            return nil
        case .auth(let mechanism, _):
            if !policy.authOffered { return .badSequence("Error: authentication not enabled") }
            if state == .connected { return .badSequence("Error: send \(greetVerb) first") }
            if authenticated { return .badSequence("Error: already authenticated") }
            if inTransaction { return .badSequence("Error: MAIL transaction in progress") }
            if !tlsActive && !policy.authWithoutTLS { return .encryptionRequired }
            if !policy.authMechanisms.contains(mechanism) { return .unsupportedMechanism }
            return nil
        case .xforward:
            if !policy.xforwardAllowed { return .notAuthorized }
            if state == .connected { return .badSequence("Error: send \(greetVerb) first") }
            if inTransaction { return .badSequence("Error: MAIL transaction in progress") }
            return nil
        }
    }

    // MARK: - Transitions

    /// HELO/EHLO/LHLO answered 250. Also resets any transaction (RFC 5321 4.1.4).
    public mutating func didGreet(name: String = "", extended: Bool = true) {
        heloName = name
        self.extended = extended
        clearTransaction()
        state = .greeted
    }

    /// MAIL answered 250.
    public mutating func didAcceptMail(_ mail: MailFrom) {
        clearTransaction()
        mailFrom = mail
        state = .mail
    }

    /// RCPT answered 250.
    public mutating func didAcceptRcpt() {
        recipientCount += 1
        state = .rcpt
    }

    /// DATA answered 354.
    public mutating func didStartData() {
        state = .data
    }

    /// The message was read and answered (whatever the answer): back to greeted.
    public mutating func didFinishData() {
        clearTransaction()
        state = .greeted
    }

    /// RSET, or a failure that ends the transaction.
    public mutating func reset() {
        clearTransaction()
        if state != .quit { state = heloName == nil ? .connected : .greeted }
    }

    /// The TLS handshake finished: the client must greet again; nothing from before is kept.
    public mutating func didStartTLS() {
        clearTransaction()
        tlsActive = true
        authenticated = false
        heloName = nil
        extended = false
        state = .connected
    }

    /// AUTH answered 235.
    public mutating func didAuthenticate() {
        authenticated = true
    }

    /// QUIT answered 221.
    public mutating func didQuit() {
        clearTransaction()
        state = .quit
    }

    private mutating func clearTransaction() {
        mailFrom = nil
        recipientCount = 0
        rcptAttempts = 0
    }

    // MARK: - Advertising

    /// The capabilities to advertise in the current state.
    public var capabilities: ServerCapabilities {
        var c = ServerCapabilities(maxMessageSize: policy.maxMessageSize, starttlsOffered: policy.starttlsOffered,
                                   tlsActive: tlsActive, authOffered: policy.authOffered && !authenticated,
                                   xforwardAllowed: policy.xforwardAllowed)
        c.authWithoutTLS = policy.authWithoutTLS
        c.authMechanisms = policy.authMechanisms
        return c
    }

    /// The 250 reply to EHLO/LHLO for this session.
    public func ehloReply(hostname: String) -> SMTPReply {
        ehloLines(hostname: hostname, capabilities: capabilities)
    }
}

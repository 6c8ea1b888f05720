// SMTPCommand: the commands pixelgate's server side understands, as parsed values.
// Guarantee: every case holds already-validated arguments (see SMTPCommandParser); `verb` gives the
// upper-case verb for logs and state checks. Unsupported verbs never become a case: the parser
// answers them (500/502).

public enum SMTPCommand: Sendable, Equatable {
    case helo(String)
    case ehlo(String)
    case lhlo(String)
    case mail(MailFrom)
    case rcpt(RcptTo)
    case data
    case rset
    case noop
    case quit
    case vrfy(String)
    case starttls
    /// Mechanism upper-cased; `initial` is the raw initial response ("=" means empty) or nil.
    case auth(mechanism: String, initial: String?)
    case xforward([XForwardAttribute])
    case help

    /// Upper-case verb.
    public var verb: String {
        switch self {
        case .helo: return "HELO"
        case .ehlo: return "EHLO"
        case .lhlo: return "LHLO"
        case .mail: return "MAIL"
        case .rcpt: return "RCPT"
        case .data: return "DATA"
        case .rset: return "RSET"
        case .noop: return "NOOP"
        case .quit: return "QUIT"
        case .vrfy: return "VRFY"
        case .starttls: return "STARTTLS"
        case .auth: return "AUTH"
        case .xforward: return "XFORWARD"
        case .help: return "HELP"
        }
    }
}

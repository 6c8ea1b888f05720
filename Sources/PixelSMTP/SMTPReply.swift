// SMTPReply: one SMTP/LMTP reply (RFC 5321 section 4.2) with an optional enhanced status code
// (RFC 3463 / RFC 2034).
// Guarantees: `encoded()` always produces well-formed wire bytes: every line is `code-text` or
// `code text` ending in CRLF, the enhanced code (when present) prefixes every line, and CR, LF and
// other control characters in the text are replaced by spaces so a reply can never inject a line.
// The static helpers are the replies the relay uses; each carries the enhanced code the RFCs give.

/// A complete (possibly multi-line) SMTP reply.
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    /// Three-digit reply code, 200...599.
    public var code: Int
    /// Enhanced status code such as "5.5.2", or nil when the reply carries none.
    public var enhanced: String?
    /// Text of each line, without the code and enhanced code. May be empty (a bare `250`).
    public var lines: [String]

    public init(code: Int, enhanced: String? = nil, lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines
    }

    /// Single-line reply.
    public init(_ code: Int, _ enhanced: String?, _ text: String) {
        self.init(code: code, enhanced: enhanced, lines: [text])
    }

    /// 2xx and 3xx: the command was accepted (3xx: send more).
    public var isPositive: Bool { code >= 200 && code < 400 }
    /// 3xx: intermediate (354 after DATA, 334 during AUTH).
    public var isIntermediate: Bool { code >= 300 && code < 400 }
    /// 4xx: try again later.
    public var isTransient: Bool { code >= 400 && code < 500 }
    /// 5xx: do not retry.
    public var isPermanent: Bool { code >= 500 && code < 600 }

    /// All lines joined by a space, for logs.
    public var text: String { lines.joined(separator: " ") }

    public var description: String {
        var s = String(code)
        if let e = enhanced { s += " " + e }
        if !text.isEmpty { s += " " + text }
        return s
    }

    /// Wire form: `250-first\r\n250 last\r\n`, enhanced code on every line when present.
    /// (Written straight into one byte array: it runs for every reply of every session.)
    public func encoded() -> [UInt8] {
        let count = max(lines.count, 1)
        var capacity = 8 * count
        for l in lines { capacity += l.utf8.count }
        if let e = enhanced { capacity += (e.utf8.count + 1) * count }
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        for i in 0..<count {
            Self.appendCode(code, to: &out)
            out.append(i == count - 1 ? 0x20 : 0x2D)
            let line = i < lines.count ? lines[i] : ""
            if let e = enhanced {
                Self.appendSanitized(e, to: &out)
                if !line.isEmpty { out.append(0x20) }
            }
            Self.appendSanitized(line, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        return out
    }

    @inline(__always)
    static func appendCode(_ code: Int, to out: inout [UInt8]) {
        if code >= 100 && code <= 999 {
            out.append(UInt8(truncatingIfNeeded: 0x30 + code / 100))
            out.append(UInt8(truncatingIfNeeded: 0x30 + code / 10 % 10))
            out.append(UInt8(truncatingIfNeeded: 0x30 + code % 10))
        } else {
            out.append(contentsOf: String(code).utf8)
        }
    }

    /// The bytes of `s` with control characters (CR, LF, NUL, ...) replaced by spaces, so text
    /// cannot break the framing, appended to `out`.
    static func appendSanitized(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { buf in
            if !buf.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                out.append(contentsOf: buf)
            } else {
                for b in buf { out.append(b < 0x20 || b == 0x7F ? 0x20 : b) }
            }
        }
    }
}

// MARK: - The replies the relay sends

extension SMTPReply {
    /// 220 greeting.
    public static func greeting(_ text: String) -> SMTPReply { SMTPReply(220, nil, text) }
    /// 221 2.0.0 closing.
    public static func closing(_ text: String = "Bye") -> SMTPReply { SMTPReply(221, "2.0.0", text) }
    /// 250 2.0.0 with text.
    public static func ok(_ text: String = "Ok") -> SMTPReply { SMTPReply(250, "2.0.0", text) }
    /// 250 2.1.0 sender ok.
    public static let senderOK = SMTPReply(250, "2.1.0", "Ok")
    /// 250 2.1.5 recipient ok.
    public static let recipientOK = SMTPReply(250, "2.1.5", "Ok")
    /// 354 go ahead (no enhanced code: it is an intermediate reply).
    public static let startData = SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")
    /// 220 2.0.0 ready for TLS.
    public static let readyToStartTLS = SMTPReply(220, "2.0.0", "Ready to start TLS")
    /// 252 2.5.0: VRFY is not answered, but the address will be tried.
    public static let cannotVerify = SMTPReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")
    /// 214 2.0.0 help text.
    public static let help = SMTPReply(214, "2.0.0", "See RFC 5321")
    /// 235 2.7.0 authentication succeeded.
    public static let authSucceeded = SMTPReply(235, "2.7.0", "Authentication successful")
    /// 334 challenge (base64 text, possibly empty).
    public static func authChallenge(_ base64: String) -> SMTPReply { SMTPReply(334, nil, base64) }

    /// 421 4.3.2 service shutting down / too busy; the connection is closed after it.
    public static func serviceUnavailable421(_ text: String = "Service not available, closing transmission channel") -> SMTPReply {
        SMTPReply(421, "4.3.2", text)
    }
    /// 421 4.4.2 the peer was idle too long.
    public static let timeout = SMTPReply(421, "4.4.2", "Error: timeout exceeded")
    /// 451 4.3.0 local or upstream temporary failure.
    public static func tempfail(_ text: String = "Temporary failure, try again later") -> SMTPReply {
        SMTPReply(451, "4.3.0", text)
    }
    /// 452 4.5.3 too many recipients for this transaction.
    public static let tooManyRecipients = SMTPReply(452, "4.5.3", "Error: too many recipients")
    /// 454 4.7.0 TLS could not be started.
    public static let tlsUnavailable = SMTPReply(454, "4.7.0", "TLS not available due to temporary reason")

    /// 500 5.5.1 unknown verb.
    public static let unknownCommand = SMTPReply(500, "5.5.1", "Error: command not recognized")
    /// 500 5.5.2 command or text line longer than allowed.
    public static let lineTooLong = SMTPReply(500, "5.5.2", "Error: line too long")
    /// 501 5.5.4 syntax error in parameters or arguments.
    public static func syntax(_ text: String = "Syntax error in parameters or arguments") -> SMTPReply {
        SMTPReply(501, "5.5.4", text)
    }
    /// 502 5.5.1 recognised but not implemented or not enabled.
    public static let notImplemented = SMTPReply(502, "5.5.1", "Error: command not implemented")
    /// 503 5.5.1 commands out of order.
    public static func badSequence(_ text: String = "Error: bad sequence of commands") -> SMTPReply {
        SMTPReply(503, "5.5.1", text)
    }
    /// 504 5.5.4 unsupported AUTH mechanism.
    public static let unsupportedMechanism = SMTPReply(504, "5.5.4", "Unrecognized authentication type")
    /// 530 5.7.0 authentication required.
    public static let authRequired = SMTPReply(530, "5.7.0", "Authentication required")
    /// 535 5.7.8 bad credentials.
    public static let authFailed = SMTPReply(535, "5.7.8", "Error: authentication failed")
    /// 538 5.7.11 the mechanism needs an encrypted channel (RFC 4954).
    public static let encryptionRequired = SMTPReply(538, "5.7.11", "Encryption required for requested authentication mechanism")
    /// 550 5.5.2 bare CR or LF in DATA (SMTP smuggling defence).
    public static let bareNewline = SMTPReply(550, "5.5.2", "Error: bare <CR> or <LF> received; line endings must be <CR><LF>")
    /// 550 5.7.0 command not allowed for this client (e.g. XFORWARD from outside).
    public static let notAuthorized = SMTPReply(550, "5.7.0", "Error: insufficient authorization")
    /// 552 5.3.4 message over the size limit.
    public static let messageTooBig = SMTPReply(552, "5.3.4", "Error: message file too big")
    /// 553 5.6.7 non-ASCII address without SMTPUTF8 (RFC 6531).
    public static let utf8AddressWithoutSMTPUTF8 = SMTPReply(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8")
    /// 554 5.7.1 relay access denied.
    public static let accessDenied = SMTPReply(554, "5.7.1", "Error: access denied")
    /// 554 5.5.1 DATA after every recipient was refused.
    public static let noValidRecipients = SMTPReply(554, "5.5.1", "Error: no valid recipients")
    /// 555 5.5.4 MAIL/RCPT parameter not recognised.
    public static func unknownParameter(_ name: String) -> SMTPReply {
        SMTPReply(555, "5.5.4", "Error: unsupported parameter \(name)")
    }
}

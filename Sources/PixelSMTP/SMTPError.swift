// SMTPError: the one error type of PixelSMTP (maddy style). It carries the reply to send (code,
// enhanced code, text) and an optional cause for logs that is never sent to the peer.
// Guarantee: every parsing or protocol failure in this module is an SMTPError whose `reply` is a
// well-formed 4xx/5xx reply the caller can send as-is.

public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reply to send to the peer.
    public var reply: SMTPReply
    /// Detail for logs (not sent on the wire).
    public var cause: String?

    public init(_ reply: SMTPReply, cause: String? = nil) {
        self.reply = reply
        self.cause = cause
    }

    public init(code: Int, enhanced: String?, text: String, cause: String? = nil) {
        self.init(SMTPReply(code, enhanced, text), cause: cause)
    }

    public var description: String {
        cause.map { "\(reply) (\($0))" } ?? reply.description
    }

    /// 501 5.5.4 with the given text.
    static func syntax(_ text: String, cause: String? = nil) -> SMTPError {
        SMTPError(.syntax(text), cause: cause)
    }
}

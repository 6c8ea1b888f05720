// Upstream: what an inbound session needs from the next hop, whatever it is (an SMTP server or the
// dry-run directory). Contract: SMTP-level answers come back as SMTPReply values; connection-level
// failures are thrown as UpstreamFailure, whose `reply` is the 4xx the client gets. After a thrown
// failure the upstream is dead (`isAlive == false`) and is never reused.
import PixelSMTP

public enum UpstreamFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No host could be reached or greeted us with 220.
    case unreachable(String)
    /// A deadline passed while waiting for upstream.
    case timeout(String)
    /// Upstream closed the connection mid-dialogue.
    case disconnected(String)
    /// TLS was required but failed or was not offered.
    case tls(String)
    /// Upstream refused our credentials.
    case auth(String)
    /// Upstream sent something that is not SMTP, or the dry-run directory failed.
    case protocolError(String)

    public var description: String {
        switch self {
        case .unreachable(let m): return "upstream unreachable: \(m)"
        case .timeout(let m): return "upstream timeout: \(m)"
        case .disconnected(let m): return "upstream disconnected: \(m)"
        case .tls(let m): return "upstream TLS: \(m)"
        case .auth(let m): return "upstream authentication failed: \(m)"
        case .protocolError(let m): return "upstream protocol error: \(m)"
        }
    }

    /// The reply the client gets: always transient, so Postfix keeps the mail and retries.
    public var reply: SMTPReply {
        switch self {
        case .unreachable: return SMTPReply(451, "4.4.1", "Upstream unavailable, try again later")
        case .timeout: return SMTPReply(451, "4.4.2", "Upstream timed out, try again later")
        case .disconnected: return SMTPReply(451, "4.4.2", "Upstream connection lost, try again later")
        case .tls: return SMTPReply(451, "4.7.5", "Upstream TLS failed, try again later")
        case .auth: return SMTPReply(451, "4.7.0", "Upstream authentication failed, try again later")
        case .protocolError: return SMTPReply(451, "4.5.0", "Upstream protocol error, try again later")
        }
    }
}

/// The replies of one complete upstream transaction.
public struct TransactionReplies: Sendable, Equatable {
    public var mail: SMTPReply
    /// One per recipient, in order.
    public var rcpts: [SMTPReply]
    /// The final reply after the body; nil when MAIL or every RCPT failed (nothing was sent).
    public var data: SMTPReply?

    public init(mail: SMTPReply, rcpts: [SMTPReply], data: SMTPReply?) {
        self.mail = mail
        self.rcpts = rcpts
        self.data = data
    }

    /// The final word for recipient `i`.
    public func outcome(_ i: Int) -> SMTPReply {
        if !mail.isPositive { return mail }
        if !rcpts[i].isPositive { return rcpts[i] }
        return data ?? SMTPReply.tempfail("No DATA reply from upstream")
    }
}

/// What the relay knows about its client, passed upstream with XFORWARD.
public struct ClientInfo: Sendable, Equatable {
    public var address: String
    public var port: Int
    public var helo: String?
    /// XFORWARD attributes the client sent (names upper-case), which take precedence.
    public var forwarded: [String: String]
    public var protocolName: String

    public init(address: String, port: Int, helo: String?, forwarded: [String: String], protocolName: String) {
        self.address = address
        self.port = port
        self.helo = helo
        self.forwarded = forwarded
        self.protocolName = protocolName
    }

    /// The XFORWARD attribute names, in the order they are sent.
    public static let xforwardOrder = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", "LOGIN", "DESTADDR", "DESTPORT"]

    /// `xforwardOrder` limited to the `offered` names (any case). An upstream session works this
    /// out once, at EHLO.
    public static func offeredXForward(_ offered: [String]) -> [String] {
        let want = Set(offered.map { $0.uppercased() })
        return xforwardOrder.filter { want.contains($0) }
    }

    /// The attributes to send for names already limited and ordered by `offeredXForward`: what the
    /// client forwarded, else what the relay knows (NAME is never looked up: `[UNAVAILABLE]`).
    public func xforwardAttributes(offeredInOrder keys: [String]) -> [(String, String)] {
        var out: [(String, String)] = []
        out.reserveCapacity(keys.count)
        for k in keys {
            if !forwarded.isEmpty, let f = forwarded[k] {
                out.append((k, f))
                continue
            }
            switch k {
            case "NAME": out.append((k, "[UNAVAILABLE]"))
            case "ADDR": out.append((k, address))
            case "PORT": out.append((k, String(port)))
            case "PROTO": out.append((k, protocolName))
            case "HELO": if let helo { out.append((k, helo)) }
            default: break
            }
        }
        return out
    }
}

public protocol Upstream: AnyObject {
    /// e.g. "mx.example.org[192.0.2.1]:25" or "file:/tmp/outbox".
    var label: String { get }
    var isAlive: Bool { get }
    /// Extensions upstream offered (decides which MAIL/RCPT parameters are passed on).
    var capabilities: PeerCapabilities { get }
    /// Starts a transaction (XFORWARD first when enabled and offered).
    func mail(_ from: MailFrom, client: ClientInfo) throws(UpstreamFailure) -> SMTPReply
    func rcpt(_ to: RcptTo) throws(UpstreamFailure) -> SMTPReply
    /// Sends DATA and the body for the open transaction; returns the final reply.
    func data(_ source: MessageSource) throws(UpstreamFailure) -> SMTPReply
    /// A whole transaction (pipelined when upstream offers PIPELINING).
    func transaction(from: MailFrom, rcpts: [RcptTo], client: ClientInfo, source: MessageSource) throws(UpstreamFailure) -> TransactionReplies
    /// Aborts the open transaction.
    func reset() throws(UpstreamFailure)
    /// Says goodbye and closes; never throws.
    func quit()
    /// For a pooled idle session: true when it still looks usable (alive, and upstream sent
    /// nothing unsolicited such as a 421 or end of stream). Never blocks.
    func probeIdle() -> Bool
}

extension Upstream {
    public func probeIdle() -> Bool { isAlive }
}

/// An upstream session handed to an inbound session: freshly opened, or taken from a pool.
public struct UpstreamLease {
    public var upstream: any Upstream
    /// Transactions the upstream session carried before this lease (0 when fresh).
    public var priorTransactions: Int

    public init(upstream: any Upstream, priorTransactions: Int) {
        self.upstream = upstream
        self.priorTransactions = priorTransactions
    }
}

/// Opens upstream sessions for inbound sessions. `checkout`/`checkin` default to one fresh upstream
/// session per lease, closed with QUIT when handed back; PooledUpstreamConnector keeps clean ones.
public protocol UpstreamConnector: Sendable {
    func open(sessionID: String) throws(UpstreamFailure) -> any Upstream
    /// An upstream session for an inbound session (pooled or fresh).
    func checkout(sessionID: String) throws(UpstreamFailure) -> UpstreamLease
    /// Hands an upstream session back. `clean` is true only when it is alive, idle (no open
    /// transaction) and nothing went wrong; `transactions` counts every transaction it carried.
    func checkin(_ upstream: any Upstream, transactions: Int, clean: Bool)
    /// Closes idle pooled sessions (reload, shutdown); later check-ins are closed at once.
    func closeIdle()
}

extension UpstreamConnector {
    public func checkout(sessionID: String) throws(UpstreamFailure) -> UpstreamLease {
        UpstreamLease(upstream: try open(sessionID: sessionID), priorTransactions: 0)
    }

    public func checkin(_ upstream: any Upstream, transactions: Int, clean: Bool) { upstream.quit() }

    public func closeIdle() {}
}

// Test scaffolding: a relay server on loopback, an SMTP client, planners and an in-memory journal.
import Foundation
import PixelNet
import PixelSMTP
@testable import PixelRelay

/// Gives each recipient its own variant, each prefixed with `X-Test-Variant: <address>`.
struct PerRecipientPlanner: VariantPlanner {
    func prepare(recipient: String, session: String) -> any Sendable { recipient }
    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        recipients.enumerated().map { i, r in
            PlannedVariant(recipients: [i], chunks: [.bytes(Array("X-Test-Variant: \(r.address)\r\n".utf8)), .original(0..<message.count)], label: "v\(i + 1)")
        }
    }
    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
}

final class MemoryJournal: DeliveryJournal, @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []
    func wasDelivered(messageKey: String, recipient: String) throws -> Bool { lock.withLock { set.contains(messageKey + " " + recipient) } }
    func markDelivered(messageKey: String, recipients: [String]) throws { lock.withLock { for r in recipients { set.insert(messageKey + " " + r) } } }
    var count: Int { lock.withLock { set.count } }
}

enum RelayTestSupport {
    static let ignoreSigpipe: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func settings(upstreamPort: Int?) -> RelaySettings {
        var s = RelaySettings()
        s.hostname = "relay.test"
        s.spoolDirectory = NSTemporaryDirectory()
        s.limits.commandTimeout = 5
        s.limits.dataTimeout = 5
        s.upstream.commandTimeout = 5
        s.upstream.dataTimeout = 5
        s.upstream.connectTimeout = 2
        s.upstream.tlsPolicy = .none
        if let p = upstreamPort { s.upstream.target = .hosts([("127.0.0.1", p)]) }
        return s
    }

    /// Starts a server; `lmtp` adds an LMTP listener (second address).
    static func server(_ settings: RelaySettings, planner: any VariantPlanner = PassThroughPlanner(),
                       journal: (any DeliveryJournal)? = nil, lmtp: Bool = false, pooled: Bool = false) throws -> RelayServer {
        _ = ignoreSigpipe
        let connector: any UpstreamConnector
        switch settings.upstream.target {
        case .hosts(let h):
            let smtp = SMTPUpstreamConnector(settings: settings.upstream, hosts: h, heloName: settings.hostname)
            connector = pooled ? PooledUpstreamConnector(inner: smtp, settings: settings.upstream.pool) : smtp
        case .directory(let d): connector = DirectoryUpstreamConnector(directory: d)
        }
        let env = RelayEnvironment(settings: settings, planner: planner, journal: journal, connector: connector)
        var listeners: [(Listener, ServerSession.Mode)] = [(try Listener.bind(host: "127.0.0.1", port: 0), .smtp)]
        if lmtp { listeners.append((try Listener.bind(host: "127.0.0.1", port: 0), .lmtp)) }
        let s = RelayServer(environment: env, listeners: listeners)
        s.start()
        return s
    }
}

/// A blocking SMTP client for tests.
final class TestClient {
    var stream: any ByteStream
    let tcp: TCPStream
    var parser = ReplyParser()

    init(port: Int) throws {
        tcp = try TCPStream.connect(host: "127.0.0.1", port: port, timeout: 5)
        stream = tcp
    }

    func send(_ text: String) throws { try stream.write(Array(text.utf8), deadline: .after(seconds: 5)) }

    func read(timeout: Double = 10) throws -> SMTPReply {
        let deadline = Deadline.after(seconds: timeout)
        while true {
            if let r = try parser.next() { return r }
            let b = try stream.read(max: 65536, deadline: deadline)
            if b.isEmpty { throw NetError.closed }
            parser.append(b)
        }
    }

    /// Sends one command line and returns the reply.
    @discardableResult
    func cmd(_ line: String) throws -> SMTPReply {
        try send(line + "\r\n")
        return try read()
    }

    func startTLS(context: TLSContext) throws {
        let r = try cmd("STARTTLS")
        guard r.code == 220 else { throw NetError.tls("STARTTLS refused: \(r)") }
        stream = try TLSStream.connect(over: tcp, context: context, serverName: "localhost", deadline: .after(seconds: 5))
        parser = ReplyParser()
    }

    func close() { stream.close() }
}

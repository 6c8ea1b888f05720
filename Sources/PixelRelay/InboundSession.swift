// InboundSession: drives one inbound SMTP or LMTP connection, one method per verb (chasquid style),
// with PixelSMTP's ServerSession deciding what is allowed when.
// Contract: every read has a deadline (command_timeout; data_timeout inside DATA) and a timeout
// answers 421 4.4.2 and closes; replies to pipelined commands are buffered and flushed before the
// next read; after SIGTERM (`isDraining`) an idle session answers 421 4.3.2 at its next command
// boundary; the session never throws out of `run()`, always hands its upstream session back (to the
// pool only when the session ended cleanly with upstream idle, else closed) and logs `disconnect`.
import Logging
import PixelCrypto
import PixelLog
import PixelNet
import PixelSMTP

/// What every session of a server shares; swapped as a whole on reload.
public struct RelayEnvironment: Sendable {
    public var settings: RelaySettings
    public var planner: any VariantPlanner
    public var journal: (any DeliveryJournal)?
    public var connector: any UpstreamConnector
    public var isDraining: @Sendable () -> Bool
    /// Shared by every session of a server (kept across reloads): see MemoryBudget.
    public var largeMessages: MemoryBudget

    public init(settings: RelaySettings, planner: any VariantPlanner, journal: (any DeliveryJournal)?,
                connector: any UpstreamConnector, isDraining: @escaping @Sendable () -> Bool = { false },
                largeMessages: MemoryBudget? = nil) {
        self.settings = settings
        self.largeMessages = largeMessages ?? MemoryBudget(capacity: settings.largeMessageMemory)
        self.planner = planner
        self.journal = journal
        self.connector = connector
        self.isDraining = isDraining
    }
}

/// Why a session ended early.
enum SessionEnd: Error {
    case clientClosed
    case timeout
    case io(String)
    case finished
}

/// Confined to the one thread that calls `run()`; Sendable only so it can be handed to that thread.
public final class InboundSession: @unchecked Sendable {
    let env: RelayEnvironment
    var settings: RelaySettings { env.settings }
    /// The plain TCP connection under `stream`, needed for STARTTLS (nil for in-memory streams).
    let tcp: TCPStream?
    var stream: any ByteStream
    var framer: LineFramer
    var state: ServerSession
    let id: String
    var log: Logger
    let peer: SocketAddress
    let clientAllowed: Bool
    var out: [UInt8] = []
    var readBuffer = [UInt8].readBuffer(count: 64 * 1024)

    // Transaction and session facts.
    var forwarded: [String: String] = [:]
    var authUser: String?
    var upstream: (any Upstream)?
    var upstreamInTransaction = false
    /// Transactions started on the current upstream session.
    var upstreamTransactions = 0
    var recipients: [InboundRecipient] = []
    var transactionStart = Deadline.now()
    var errors = 0
    var authFailures = 0
    var messages = 0

    var mode: ServerSession.Mode { state.mode }

    public init(stream: any ByteStream, environment: RelayEnvironment, mode: ServerSession.Mode, sessionID: String? = nil) {
        env = environment
        tcp = stream as? TCPStream
        self.stream = stream
        peer = stream.peer
        id = sessionID ?? Self.newSessionID()
        let s = environment.settings
        framer = LineFramer(maxLength: s.limits.maxCommandLine)
        clientAllowed = s.allowNetworks.contains(stream.peer.host)
        let policy = ServerSession.Policy(
            maxRecipients: s.limits.maxRecipients, maxMessageSize: s.limits.maxMessageSize,
            starttlsOffered: s.tlsContext != nil && s.tlsPolicy != .none && stream is TCPStream,
            authOffered: s.credentials != nil, authWithoutTLS: false,
            authMechanisms: ["PLAIN", "LOGIN"], xforwardAllowed: clientAllowed,
            requireAuthentication: !clientAllowed)
        state = ServerSession(mode: mode, policy: policy)
        log = Logger(label: "pixelgate.relay")
        log[metadataKey: "session"] = .string(id)
    }

    /// 12 lower-case hex digits, random.
    public static func newSessionID() -> String { Digest.hex(SecureRandom.bytes(6)) }

    /// Runs the whole dialogue; returns when the client is gone.
    public func run() {
        let started = Deadline.now()
        log.info("connect", metadata: ["client": .string(peer.description), "mode": .string(mode.rawValue),
                                       "allowed": .string(clientAllowed ? "yes" : "no")])
        var reason = "quit"
        do throws(SessionEnd) {
            reply(SMTPReply(220, nil, "\(settings.hostname) \(mode == .lmtp ? "LMTP" : "ESMTP") pixelgate"))
            try loop()
        } catch {
            switch error {
            case .finished: reason = "quit"
            case .clientClosed: reason = "client closed"
            case .timeout: reason = "timeout"
            case .io(let m): reason = m
            }
        }
        handBackUpstream(clean: reason == "quit")
        stream.close()
        log.info("disconnect", metadata: ["reason": .string(reason), "messages": "\(messages)",
                                          "duration_ms": "\(started.elapsedMillis)"])
    }

    private func loop() throws(SessionEnd) {
        while true {
            guard let line = try nextLine(timeout: settings.limits.commandTimeout, allowDrain: true) else {
                reply(.serviceUnavailable421("\(settings.hostname) Service shutting down, closing transmission channel"))
                try flush()
                throw .finished
            }
            guard case .line(let bytes) = line else {
                reply(.lineTooLong)
                try countError()
                continue
            }
            switch SMTPCommandParser.parse(bytes) {
            case .failure(let e):
                reply(e.reply)
                try countError()
            case .success(let cmd):
                if let refusal = tlsRequirement(cmd) ?? state.check(cmd) {
                    reply(refusal)
                    if case .mail = cmd { logReject("MAIL", refusal) } else if case .rcpt = cmd { logReject("RCPT", refusal) }
                    // Limits (too many recipients, too big) are not client errors; sequencing and access are.
                    if refusal.code != 452 && refusal.code != 552 { try countError() }
                    continue
                }
                try dispatch(cmd)
            }
        }
    }

    /// `tls.policy = encrypt|verify`: MAIL needs STARTTLS first (530 5.7.0), before any other check.
    private func tlsRequirement(_ cmd: SMTPCommand) -> SMTPReply? {
        guard case .mail = cmd, settings.tlsPolicy == .encrypt || settings.tlsPolicy == .verify, !stream.isEncrypted else { return nil }
        guard state.state != .connected else { return nil }
        return SMTPReply(530, "5.7.0", "Must issue a STARTTLS command first")
    }

    private func dispatch(_ cmd: SMTPCommand) throws(SessionEnd) {
        switch cmd {
        case .helo(let name): greet(name, extended: false)
        case .ehlo(let name), .lhlo(let name): greet(name, extended: true)
        case .mail(let m): mail(m)
        case .rcpt(let r): rcpt(r)
        case .data: try data()
        case .rset: rset()
        case .noop: reply(.ok())
        case .vrfy: reply(.cannotVerify)
        case .help: reply(.help)
        case .quit:
            state.didQuit()
            handBackUpstream(clean: true)  // before the 221, so the client's next session finds it pooled
            reply(.closing())
            try flush()
            throw .finished
        case .starttls: try startTLS()
        case .auth(let mech, let initial): try auth(mechanism: mech, initial: initial)
        case .xforward(let attrs): xforward(attrs)
        }
    }

    /// Gives the upstream session back to the connector. Only a session that ended cleanly (QUIT)
    /// with upstream alive and idle (a transaction left open is reset first) may lend it to the
    /// next client (the pool, when configured); anything else is closed.
    func handBackUpstream(clean sessionClean: Bool) {
        guard let up = upstream else { return }
        upstream = nil
        var clean = sessionClean && up.isAlive
        if clean && upstreamInTransaction { clean = (try? up.reset()) != nil }
        upstreamInTransaction = false
        env.connector.checkin(up, transactions: upstreamTransactions, clean: clean)
    }

    // MARK: - I/O

    func reply(_ r: SMTPReply) { out.append(contentsOf: r.encoded()) }

    func flush() throws(SessionEnd) {
        guard !out.isEmpty else { return }
        do throws(NetError) {
            try stream.write(out, deadline: .after(seconds: settings.limits.commandTimeout))
        } catch {
            throw error == .timeout ? .timeout : .clientClosed
        }
        out.removeAll(keepingCapacity: true)
    }

    /// The next command line, or nil when the server is draining and this session is idle.
    /// A timeout answers 421 4.4.2 and ends the session.
    func nextLine(timeout: Double, allowDrain: Bool = false) throws(SessionEnd) -> LineResult? {
        if let l = framer.nextLine() { return l }
        try flush()
        let deadline = Deadline.after(seconds: timeout)
        while true {
            let idle = state.state == .greeted || state.state == .connected
            if allowDrain && idle && env.isDraining() { return nil }
            let n = try readSome(until: min(deadline, .after(seconds: 1)), final: deadline)
            if n == 0 { continue }
            framer.append(readBuffer[0..<n])
            if let l = framer.nextLine() { return l }
        }
    }

    /// Reads into `readBuffer`; 0 when the slice deadline passed without data. Past `final`:
    /// answers 421 4.4.2 and ends the session.
    func readSome(until slice: Deadline, final: Deadline) throws(SessionEnd) -> Int {
        let n: Int
        do throws(NetError) {
            n = try stream.read(into: &readBuffer, deadline: slice)
        } catch {
            if error == .timeout {
                if !final.hasPassed { return 0 }
                log.info("reject", metadata: ["reason": "timeout", "reply": "421 4.4.2"])
                reply(.timeout)
                try? flush()
                throw .timeout
            }
            throw .clientClosed
        }
        if n == 0 { throw .clientClosed }
        return n
    }

    func countError() throws(SessionEnd) {
        errors += 1
        if errors >= settings.limits.maxErrors {
            reply(SMTPReply(421, "4.7.0", "\(settings.hostname) Error: too many errors"))
            try flush()
            throw .io("too many errors")
        }
    }

    func logReject(_ verb: String, _ r: SMTPReply, extra: Logger.Metadata = [:]) {
        var md: Logger.Metadata = ["command": .string(verb), "reply": .string(Delivery.describe(r))]
        md.merge(extra) { a, _ in a }
        log.info("reject", metadata: md)
    }

    func render(_ address: String) -> Logger.MetadataValue {
        .string(address.isEmpty ? "<>" : settings.addressLogMode.render(address))
    }

    /// What upstream (and the Received header) learn about this client.
    var clientInfo: ClientInfo {
        ClientInfo(address: peer.host, port: peer.port, helo: state.heloName, forwarded: forwarded,
                   protocolName: protocolName)
    }

    var protocolName: String {
        ReceivedHeader.protocolName(lmtp: mode == .lmtp, extended: state.extended, tls: stream.isEncrypted,
                                    authenticated: authUser != nil)
    }
}

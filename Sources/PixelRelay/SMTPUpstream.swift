// SMTPUpstream: the SMTP client side of the relay: one connection to the first upstream host that
// answers, EHLO, STARTTLS per policy, AUTH PLAIN/LOGIN, XFORWARD, MAIL/RCPT, and DATA with the
// body dot-stuffed by PixelSMTP's DotEncoder, pipelined when upstream offers PIPELINING.
// Contract: every wait is bounded (connect/command/data timeouts); any I/O or protocol failure
// marks the session dead and throws UpstreamFailure; replies are parsed by ReplyParser.
import Foundation
import PixelNet
import PixelSMTP

public struct SMTPUpstreamConnector: UpstreamConnector {
    public let settings: UpstreamSettings
    public let hosts: [(host: String, port: Int)]
    public let heloName: String

    public init(settings: UpstreamSettings, hosts: [(host: String, port: Int)], heloName: String) {
        self.settings = settings
        self.hosts = hosts
        self.heloName = heloName
    }

    public func open(sessionID: String) throws(UpstreamFailure) -> any Upstream {
        var errors: [String] = []
        for h in hosts {
            do throws(UpstreamFailure) {
                return try SMTPUpstream.open(host: h.host, port: h.port, settings: settings, heloName: heloName)
            } catch {
                errors.append("\(h.host):\(h.port): \(error)")
                // Opportunistic TLS (`may`) never blocks mail: a failed handshake is retried in plaintext.
                guard case .tls = error, settings.tlsPolicy == .may else { continue }
                var plain = settings
                plain.tlsPolicy = .none
                if let u = try? SMTPUpstream.open(host: h.host, port: h.port, settings: plain, heloName: heloName) { return u }
            }
        }
        throw .unreachable(errors.isEmpty ? "no upstream hosts configured" : errors.joined(separator: "; "))
    }
}

public final class SMTPUpstream: Upstream {
    private var stream: any ByteStream
    private var parser = ReplyParser()
    public private(set) var capabilities = PeerCapabilities() {
        didSet { xforwardKeys = ClientInfo.offeredXForward(capabilities.xforward) }
    }
    /// The XFORWARD names upstream offered, in sending order (from `capabilities`).
    private var xforwardKeys: [String] = []
    public private(set) var isAlive = true
    public let label: String
    private let settings: UpstreamSettings
    private var readBuffer = [UInt8].readBuffer(count: 16 * 1024)

    private init(stream: any ByteStream, label: String, settings: UpstreamSettings) {
        self.stream = stream
        self.label = label
        self.settings = settings
    }

    /// Connects, reads the greeting, EHLO, STARTTLS and AUTH as configured.
    static func open(host: String, port: Int, settings: UpstreamSettings, heloName: String) throws(UpstreamFailure) -> SMTPUpstream {
        let tcp: TCPStream
        do throws(NetError) {
            tcp = try TCPStream.connect(host: host, port: port, timeout: settings.connectTimeout)
        } catch {
            throw .unreachable(error.description)
        }
        let u = SMTPUpstream(stream: tcp, label: "\(host)[\(tcp.peer.host)]:\(port)", settings: settings)
        do throws(UpstreamFailure) {
            let greeting = try u.readReply(timeout: settings.commandTimeout)
            guard greeting.code == 220 else { throw UpstreamFailure.unreachable("greeting: \(greeting.code) \(greeting.text)") }
            try u.ehlo(heloName)
            try u.startTLSIfNeeded(host: host, heloName: heloName, tcp: tcp)
            try u.authenticateIfNeeded()
            return u
        } catch {
            u.quit()
            throw error
        }
    }

    private func ehlo(_ name: String) throws(UpstreamFailure) {
        let r = try command("EHLO \(name)", timeout: settings.commandTimeout)
        if r.code == 250 {
            capabilities = PeerCapabilities(ehlo: r)
            return
        }
        let h = try command("HELO \(name)", timeout: settings.commandTimeout)
        guard h.code == 250 else { throw .unreachable("HELO refused: \(h.code) \(h.text)") }
        capabilities = PeerCapabilities()
    }

    private func startTLSIfNeeded(host: String, heloName: String, tcp: TCPStream) throws(UpstreamFailure) {
        let policy = settings.tlsPolicy
        guard policy != .none else { return }
        guard capabilities.starttls, let ctx = settings.tlsContext else {
            if policy == .may { return }
            throw .tls("\(host) does not offer STARTTLS (tls_policy = \(policy.rawValue))")
        }
        let r = try command("STARTTLS", timeout: settings.commandTimeout)
        guard r.code == 220 else {
            if policy == .may { return }
            throw .tls("STARTTLS refused: \(r.code) \(r.text)")
        }
        do throws(NetError) {
            stream = try TLSStream.connect(over: tcp, context: ctx, serverName: host, deadline: .after(seconds: settings.commandTimeout))
        } catch {
            isAlive = false
            throw .tls(error.description)
        }
        parser = ReplyParser()
        try ehlo(heloName)
    }

    private func authenticateIfNeeded() throws(UpstreamFailure) {
        guard let cred = settings.credentials, !capabilities.auth.isEmpty else { return }
        let mechs = Set(capabilities.auth.map { $0.uppercased() })
        if mechs.contains("PLAIN") {
            let r = try command("AUTH PLAIN \(SASL.encodePlain(user: cred.user, password: cred.password))", timeout: settings.commandTimeout, secret: true)
            guard r.code == 235 else { throw .auth("\(r.code) \(r.text)") }
        } else if mechs.contains("LOGIN") {
            var r = try command("AUTH LOGIN", timeout: settings.commandTimeout)
            guard r.code == 334 else { throw .auth("\(r.code) \(r.text)") }
            r = try command(Base64Text.encode(cred.user), timeout: settings.commandTimeout, secret: true)
            guard r.code == 334 else { throw .auth("\(r.code) \(r.text)") }
            r = try command(Base64Text.encode(cred.password), timeout: settings.commandTimeout, secret: true)
            guard r.code == 235 else { throw .auth("\(r.code) \(r.text)") }
        } else {
            throw .auth("no supported mechanism among \(capabilities.auth.joined(separator: " "))")
        }
    }

    // MARK: - transaction

    /// The XFORWARD commands for `client`, each without its CRLF (none when not offered or off).
    private func xforwardLines(_ client: ClientInfo) -> [[UInt8]] {
        guard settings.xforward, !xforwardKeys.isEmpty else { return [] }
        let attrs = client.xforwardAttributes(offeredInOrder: xforwardKeys)
        guard !attrs.isEmpty else { return [] }
        return Self.xforwardCommands(attrs)
    }

    /// `XFORWARD K=xtext(V) ...` lines. Postfix takes at most a few attributes per line
    /// comfortably: a line is closed before an attribute would take it past 400 octets.
    static func xforwardCommands(_ attrs: [(String, String)]) -> [[UInt8]] {
        let command: [UInt8] = Array("XFORWARD".utf8)
        var lines: [[UInt8]] = []
        var cur = command
        var item: [UInt8] = []
        for (k, v) in attrs {
            item.removeAll(keepingCapacity: true)
            item.append(0x20)
            item.append(contentsOf: k.utf8)
            item.append(0x3D)  // '='
            XText.appendEncoded(v, to: &item)
            if cur.count + item.count > 400 && cur.count > command.count {
                lines.append(cur)
                cur = command
            }
            cur.append(contentsOf: item)
        }
        lines.append(cur)
        return lines
    }

    private func mailLine(_ from: MailFrom) -> String {
        let params = from.parameterString(for: capabilities)
        return "MAIL FROM:<\(from.address)>" + (params.isEmpty ? "" : " " + params)
    }

    private func rcptLine(_ to: RcptTo) -> String {
        let params = to.parameterString(for: capabilities)
        return "RCPT TO:<\(to.address)>" + (params.isEmpty ? "" : " " + params)
    }

    public func mail(_ from: MailFrom, client: ClientInfo) throws(UpstreamFailure) -> SMTPReply {
        let xf = xforwardLines(client)
        if capabilities.pipelining && !xf.isEmpty {
            // RFC 2920 (as Postfix's own client does): XFORWARD and MAIL in one write, one round trip.
            var batch: [UInt8] = []
            for l in xf { batch += l; batch += [0x0D, 0x0A] }
            batch += (mailLine(from) + "\r\n").utf8
            try send(batch, timeout: settings.commandTimeout)
            var xfFailed: SMTPReply?
            for _ in xf {
                let r = try readReply(timeout: settings.commandTimeout)
                if !r.isPositive && xfFailed == nil { xfFailed = r }
            }
            let m = try readReply(timeout: settings.commandTimeout)
            guard let xfFailed else { return m }
            // A refused XFORWARD is the answer, as without pipelining; close the MAIL it let through.
            if m.isPositive && isAlive { try reset() }
            return xfFailed
        }
        for line in xf {
            let r = try command(String(decoding: line, as: UTF8.self), timeout: settings.commandTimeout)
            if !r.isPositive { return r }
        }
        return try command(mailLine(from), timeout: settings.commandTimeout)
    }

    public func rcpt(_ to: RcptTo) throws(UpstreamFailure) -> SMTPReply {
        try command(rcptLine(to), timeout: settings.commandTimeout)
    }

    public func data(_ source: MessageSource) throws(UpstreamFailure) -> SMTPReply {
        let r = try command("DATA", timeout: settings.commandTimeout)
        guard r.code == 354 else {
            if isAlive { try reset() }  // the transaction is still open upstream
            return r
        }
        return try sendBody(source)
    }

    public func transaction(from: MailFrom, rcpts: [RcptTo], client: ClientInfo, source: MessageSource) throws(UpstreamFailure) -> TransactionReplies {
        guard capabilities.pipelining else {
            let m = try mail(from, client: client)
            guard m.isPositive else { return TransactionReplies(mail: m, rcpts: rcpts.map { _ in m }, data: nil) }
            var rr: [SMTPReply] = []
            for r in rcpts { rr.append(try rcpt(r)) }
            guard rr.contains(where: \.isPositive) else {
                try reset()
                return TransactionReplies(mail: m, rcpts: rr, data: nil)
            }
            return TransactionReplies(mail: m, rcpts: rr, data: try data(source))
        }
        // RFC 2920: XFORWARD, MAIL, RCPTs and DATA go in one write; replies come back in order.
        let xf = xforwardLines(client)
        var batch: [UInt8] = []
        for l in xf { batch += l; batch += [0x0D, 0x0A] }
        batch += (mailLine(from) + "\r\n").utf8
        for r in rcpts { batch += (rcptLine(r) + "\r\n").utf8 }
        batch += "DATA\r\n".utf8
        try send(batch, timeout: settings.commandTimeout)
        var xfFailed: SMTPReply?
        for _ in xf {
            let r = try readReply(timeout: settings.commandTimeout)
            if !r.isPositive && xfFailed == nil { xfFailed = r }
        }
        var m = try readReply(timeout: settings.commandTimeout)
        let mailAccepted = m.isPositive
        if let xfFailed, m.isPositive { m = xfFailed }
        var rr: [SMTPReply] = []
        for _ in rcpts { rr.append(try readReply(timeout: settings.commandTimeout)) }
        let d = try readReply(timeout: settings.commandTimeout)
        if d.code == 354 {
            if !m.isPositive || !rr.contains(where: \.isPositive) {
                // 354 although nothing should be sent: hang up rather than risk delivering an empty
                // message; upstream discards the unfinished transaction.
                isAlive = false
                stream.close()
                return TransactionReplies(mail: m, rcpts: rr, data: nil)
            }
            return TransactionReplies(mail: m, rcpts: rr, data: try sendBody(source))
        }
        // DATA refused: a MAIL that was accepted left a transaction open upstream.
        if mailAccepted && isAlive { try reset() }
        if m.isPositive && rr.contains(where: \.isPositive) {
            // DATA itself refused: that is the answer for every accepted recipient.
            return TransactionReplies(mail: m, rcpts: rr, data: d)
        }
        return TransactionReplies(mail: m, rcpts: rr, data: nil)
    }

    /// Streams the body through DotEncoder in blocks of about 64 KB and reads the final reply.
    private func sendBody(_ source: MessageSource) throws(UpstreamFailure) -> SMTPReply {
        var encoder = DotEncoder()
        var out: [UInt8] = []
        out.reserveCapacity(80 * 1024)
        let timeout = settings.dataTimeout
        try source.forEachBlock { (block: UnsafeRawBufferPointer) throws(UpstreamFailure) in
            var off = 0
            while off < block.count {
                let n = min(64 * 1024, block.count - off)
                encoder.encode(UnsafeRawBufferPointer(rebasing: block[off..<(off + n)]), into: &out)
                off += n
                if out.count >= 64 * 1024 {
                    try send(out, timeout: timeout)
                    out.removeAll(keepingCapacity: true)
                }
            }
        }
        encoder.finish(into: &out)
        try send(out, timeout: timeout)
        return try readReply(timeout: timeout)
    }

    public func reset() throws(UpstreamFailure) {
        let r = try command("RSET", timeout: settings.commandTimeout)
        if !r.isPositive {
            isAlive = false
            throw .protocolError("RSET refused: \(r.code) \(r.text)")
        }
    }

    public func quit() {
        if isAlive {
            _ = try? send(Array("QUIT\r\n".utf8), timeout: 5)
            _ = try? readReply(timeout: 5)
        }
        isAlive = false
        stream.close()
    }

    public func probeIdle() -> Bool {
        guard isAlive else { return false }
        // Anything readable now (a 421, garbage, end of stream) means the session is not idle any more.
        var probe = [UInt8](repeating: 0, count: 512)
        do throws(NetError) {
            _ = try stream.read(into: &probe, deadline: .now())
        } catch {
            if error == .timeout { return true }
        }
        isAlive = false
        stream.close()
        return false
    }

    // MARK: - I/O

    private func command(_ line: String, timeout: Double, secret: Bool = false) throws(UpstreamFailure) -> SMTPReply {
        try send(Array((line + "\r\n").utf8), timeout: timeout)
        return try readReply(timeout: timeout)
    }

    private func send(_ bytes: [UInt8], timeout: Double) throws(UpstreamFailure) {
        guard isAlive else { throw .disconnected("session already failed") }
        do throws(NetError) {
            try stream.write(bytes, deadline: .after(seconds: timeout))
        } catch {
            isAlive = false
            stream.close()
            throw error == .timeout ? .timeout("writing to \(label)") : .disconnected("\(label): \(error)")
        }
    }

    private func readReply(timeout: Double) throws(UpstreamFailure) -> SMTPReply {
        guard isAlive else { throw .disconnected("session already failed") }
        let deadline = Deadline.after(seconds: timeout)
        while true {
            do throws(SMTPError) {
                if let r = try parser.next() {
                    if r.code == 421 { isAlive = false }
                    return r
                }
            } catch {
                isAlive = false
                stream.close()
                throw .protocolError("\(label): \(error)")
            }
            let n: Int
            do throws(NetError) {
                n = try stream.read(into: &readBuffer, deadline: deadline)
            } catch {
                isAlive = false
                stream.close()
                throw error == .timeout ? .timeout("waiting for \(label)") : .disconnected("\(label): \(error)")
            }
            if n == 0 {
                isAlive = false
                stream.close()
                throw .disconnected("\(label) closed the connection")
            }
            parser.append(readBuffer[0..<n])
        }
    }
}

/// Base64 of UTF-8 text, for AUTH LOGIN.
enum Base64Text {
    static func encode(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
}

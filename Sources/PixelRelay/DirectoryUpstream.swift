// DirectoryUpstream: the dry-run upstream (`--upstream file:DIR`). Each transaction becomes
// `DIR/<time>-<n>.eml` (the message exactly as it would go upstream, before dot-stuffing, with no
// envelope headers added) plus `DIR/<time>-<n>.env`, a JSON sidecar with the envelope.
// Contract: files appear atomically (written under a dot-name, then renamed, .env before .eml);
// every MAIL/RCPT is accepted; a write failure is an UpstreamFailure (4xx to the client).
import Foundation
import PixelSMTP

public struct DirectoryUpstreamConnector: UpstreamConnector {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func open(sessionID: String) throws(UpstreamFailure) -> any Upstream {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unreachable("cannot create \(directory): \(error.localizedDescription)")
        }
        return DirectoryUpstream(directory: directory, sessionID: sessionID)
    }
}

public final class DirectoryUpstream: Upstream {
    private static let counter = Counter()
    public let directory: String
    private let sessionID: String
    private var from: MailFrom?
    private var rcpts: [RcptTo] = []
    public var label: String { "file:\(directory)" }
    public private(set) var isAlive = true

    public var capabilities: PeerCapabilities {
        var c = PeerCapabilities()
        c.pipelining = true
        c.eightBitMIME = true
        c.smtputf8 = true
        c.dsn = true
        c.enhancedStatusCodes = true
        return c
    }

    init(directory: String, sessionID: String) {
        self.directory = directory
        self.sessionID = sessionID
    }

    public func mail(_ from: MailFrom, client: ClientInfo) throws(UpstreamFailure) -> SMTPReply {
        self.from = from
        rcpts = []
        return SMTPReply(250, "2.1.0", "Ok")
    }

    public func rcpt(_ to: RcptTo) throws(UpstreamFailure) -> SMTPReply {
        rcpts.append(to)
        return SMTPReply(250, "2.1.5", "Ok")
    }

    public func data(_ source: MessageSource) throws(UpstreamFailure) -> SMTPReply {
        guard let from else { return SMTPReply(503, "5.5.1", "Error: need MAIL command") }
        let name = try write(source, from: from, rcpts: rcpts)
        self.from = nil
        rcpts = []
        return SMTPReply(250, "2.0.0", "Ok: written as \(name)")
    }

    public func transaction(from: MailFrom, rcpts: [RcptTo], client: ClientInfo, source: MessageSource) throws(UpstreamFailure) -> TransactionReplies {
        let name = try write(source, from: from, rcpts: rcpts)
        return TransactionReplies(mail: SMTPReply(250, "2.1.0", "Ok"), rcpts: rcpts.map { _ in SMTPReply(250, "2.1.5", "Ok") },
                                  data: SMTPReply(250, "2.0.0", "Ok: written as \(name)"))
    }

    public func reset() throws(UpstreamFailure) {
        from = nil
        rcpts = []
    }

    public func quit() { isAlive = false }

    private func write(_ source: MessageSource, from: MailFrom, rcpts: [RcptTo]) throws(UpstreamFailure) -> String {
        let base = "\(Int(Date().timeIntervalSince1970 * 1000))-\(Self.counter.next())"
        var env: [String: Any] = [
            "mail_from": from.address,
            "rcpt_to": rcpts.map(\.address),
            "session": sessionID,
        ]
        if let size = from.size { env["size"] = size }
        if let ret = from.ret { env["ret"] = ret }
        if let envid = from.envid { env["envid"] = envid }
        env["notify"] = rcpts.map { $0.notify.map { $0.joined(separator: ",") } ?? "" }
        env["orcpt"] = rcpts.map { $0.orcpt ?? "" }
        do {
            let json = try JSONSerialization.data(withJSONObject: env, options: [.sortedKeys, .prettyPrinted])
            try place(json, name: base + ".env")
            try place(Data(source.flattened()), name: base + ".eml")
        } catch {
            throw .protocolError("cannot write to \(directory): \(error.localizedDescription)")
        }
        return base + ".eml"
    }

    private func place(_ data: Data, name: String) throws {
        let tmp = directory + "/." + name + ".tmp"
        try data.write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, directory + "/" + name) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
    }
}

/// A process-wide counter for unique file names.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

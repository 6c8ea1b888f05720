// A tiny SMTP server for relay tests: records each transaction, with scripted refusals.
import Foundation
import PixelNet
@testable import PixelRelay

struct RecordedTransaction: Sendable {
    var mailFrom: String
    var rcpts: [String]
    var body: [UInt8]
    var xforward: [String]
}

final class FakeUpstreamServer: @unchecked Sendable {
    let listener: Listener
    private let lock = NSLock()
    private var _transactions: [RecordedTransaction] = []
    private var stopped = false
    private var _connections = 0
    private var open: [TCPStream] = []
    /// Recipients refused at RCPT with 550 5.1.1.
    var rejectRcpt: Set<String> = []
    /// A transaction containing one of these recipients is refused at end of DATA with 554 5.7.1.
    var rejectDataFor: Set<String> = []
    /// Refuse MAIL with this reply line.
    var mailReply: String?
    /// At the end of DATA: hang up without a reply, or say nothing for this many seconds.
    var hangUpAtDot = false
    /// Refuse the DATA command itself with 554.
    var refuseDataCommand = false
    var stallAtDot: Double = 0
    var extensions = ["PIPELINING", "SIZE 100000000", "8BITMIME", "DSN", "ENHANCEDSTATUSCODES", "XFORWARD NAME ADDR PROTO HELO IDENT"]

    var port: Int { listener.address.port }
    var transactions: [RecordedTransaction] { lock.lock(); defer { lock.unlock() }; return _transactions }
    /// Connections accepted so far.
    var connections: Int { lock.withLock { _connections } }

    /// Closes every connection now open (an upstream restart, or its idle timeout).
    func dropConnections() {
        let all = lock.withLock { () -> [TCPStream] in defer { open = [] }; return open }
        for s in all { s.close() }
    }

    init() throws {
        listener = try Listener.bind(host: "127.0.0.1", port: 0)
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                guard let s = try? listener.accept(deadline: .after(seconds: 0.1)) else { continue }
                lock.withLock { _connections += 1; open.append(s) }
                Thread { self.serve(s) }.start()
            }
        }.start()
    }

    func stop() { lock.withLock { stopped = true } }

    private func serve(_ s: TCPStream) {
        var buf: [UInt8] = []
        func send(_ line: String) { try? s.write(Array((line + "\r\n").utf8), deadline: .after(seconds: 5)) }
        func fill() -> Bool {
            guard let more = try? s.read(max: 65536, deadline: .after(seconds: 10)), !more.isEmpty else { return false }
            buf += more
            return true
        }
        func line() -> String? {
            while true {
                if let i = buf.firstIndex(of: 10) {
                    let l = String(decoding: buf[..<i], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
                    buf.removeSubrange(...i)
                    return l
                }
                guard fill() else { return nil }
            }
        }
        send("220 fake.upstream ESMTP")
        var tx = RecordedTransaction(mailFrom: "", rcpts: [], body: [], xforward: [])
        var xf: [String] = []
        var inTransaction = false
        while let l = line() {
            let u = l.uppercased()
            if u.hasPrefix("EHLO") {
                var lines = ["250-fake.upstream"] + extensions.map { "250-" + $0 }
                lines[lines.count - 1] = "250 " + lines[lines.count - 1].dropFirst(4)
                for x in lines { send(x) }
            } else if u.hasPrefix("XFORWARD") {
                xf.append(l)
                send("250 2.0.0 Ok")
            } else if u.hasPrefix("MAIL FROM:") {
                if let r = mailReply { send(r); continue }
                if inTransaction { send("503 5.5.1 Error: nested MAIL command"); continue }
                inTransaction = true
                tx = RecordedTransaction(mailFrom: l, rcpts: [], body: [], xforward: xf)
                xf = []
                send("250 2.1.0 Ok")
            } else if u.hasPrefix("RCPT TO:") {
                let addr = String(l.dropFirst(8).split(separator: " ")[0]).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                if rejectRcpt.contains(addr) { send("550 5.1.1 No such user"); continue }
                tx.rcpts.append(addr)
                send("250 2.1.5 Ok")
            } else if u == "DATA" {
                if tx.rcpts.isEmpty { send("554 5.5.1 Error: no valid recipients"); continue }
                if refuseDataCommand { send("554 5.7.0 Error: DATA refused"); continue }
                send("354 go ahead")
                let end = Array("\r\n.\r\n".utf8)
                var body: [UInt8] = []
                while true {
                    if let r = find(end, in: buf) {
                        body = Array(buf[..<(r + 2)])
                        buf.removeSubrange(..<(r + 5))
                        break
                    }
                    guard fill() else { return }
                }
                // Undo dot-stuffing.
                var out: [UInt8] = []
                var atStart = true
                var i = 0
                while i < body.count {
                    if atStart && body[i] == UInt8(ascii: ".") { i += 1; atStart = false; continue }
                    out.append(body[i])
                    atStart = body[i] == 10
                    i += 1
                }
                tx.body = out
                inTransaction = false
                if hangUpAtDot { s.close(); return }
                if stallAtDot > 0 { Thread.sleep(forTimeInterval: stallAtDot); s.close(); return }
                if !rejectDataFor.isDisjoint(with: tx.rcpts) {
                    send("554 5.7.1 Rejected by policy")
                } else {
                    lock.withLock { _transactions.append(tx) }
                    send("250 2.0.0 Ok: queued")
                }
            } else if u == "RSET" {
                inTransaction = false
                send("250 2.0.0 Ok")
            } else if u == "QUIT" {
                send("221 2.0.0 Bye")
                return
            } else if u == "NOOP" {
                send("250 2.0.0 Ok")
            } else {
                send("502 5.5.2 Error: command not recognized")
            }
        }
    }

    private func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

extension NSLock {
    func withLock<T>(_ body: () throws -> T) rethrows -> T { lock(); defer { unlock() }; return try body() }
}

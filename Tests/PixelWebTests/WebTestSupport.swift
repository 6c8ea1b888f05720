// WebTestSupport: starts a real WebServer on a free loopback port over a SQLiteConsentStore in a
// temp dir, and a tiny HTTP/1.1 client over a real socket (PixelNet TCPStream) that sends raw bytes
// and parses the response (status, headers, Content-Length body).
import Foundation
import Logging
import PixelCrypto
import PixelNet
import PixelPolicy
import PixelStore
@testable import PixelWeb

struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ n: String) -> String? { headers[n.lowercased()] }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
}

final class GateCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [GateOutcome: Int] = [:]
    func hit(_ o: GateOutcome) { lock.withLock { counts[o, default: 0] += 1 } }
    func count(_ o: GateOutcome) -> Int { lock.withLock { counts[o, default: 0] } }
}

final class WebFixture {
    let dir: String
    let store: SQLiteConsentStore
    let keyring: TokenKeyring
    let server: WebServer
    let gates = GateCounter()
    var port: Int { Int(server.boundPort) }
    static let apiToken = "test-api-token-0123456789"

    init(_ tweak: (inout WebSettings) -> Void = { _ in }) throws {
        dir = NSTemporaryDirectory() + "pixelweb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try SQLiteConsentStore(path: dir + "/consent.sqlite", options: StoreOptions())
        keyring = try TokenKeyring(current: TokenKey(id: 1, bytes: Array(repeating: 7, count: 32)))
        var s = WebSettings()
        s.port = 0
        s.apiTokens = [Self.apiToken]
        s.actors = ["Shop Example SAS", "Mailer <Partner> & Co"]
        s.policyURL = "https://shop.example/privacy"
        tweak(&s)
        let gates = self.gates
        server = WebServer(settings: s, store: store, keyring: keyring,
                           hooks: WebHooks(metricsText: { "pixelgate_test_total 7\n" }, gateHit: { gates.hit($0) }),
                           logger: Logger(label: "test"))
        try server.start()
    }

    deinit {
        server.stop()
        store.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func token(_ kind: TokenKind, _ recipient: String = "bob@example.org", purposes: [Purpose] = [.openMeasurement],
               url: String? = "https://t.example.net/open?id=1", issuedAt: Int64? = nil) -> String {
        keyring.seal(TokenPayload(kind: kind, recipient: recipient, purposes: purposes, url: kind == .gate ? url : nil,
                                  campaign: "spring", issuedAt: issuedAt ?? Int64(Date().timeIntervalSince1970)))
    }

    func grant(_ purposes: [Purpose], _ who: String = "bob@example.org", action: ConsentAction = .grant) throws {
        try store.record(events: purposes.map { ConsentEventInput(address: who, purpose: $0.id, action: action, source: "test", evidence: "{}") })
    }

    func connect() throws -> TCPStream { try TCPStream.connect(host: "127.0.0.1", port: port, timeout: 5) }

    /// Sends raw bytes on a new connection and reads one response.
    func raw(_ bytes: [UInt8], timeout: Double = 10) throws -> HTTPReply? {
        let s = try connect()
        defer { s.close() }
        try s.write(bytes, deadline: .after(seconds: timeout))
        return try Self.readReply(s, timeout: timeout)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> HTTPReply {
        var h = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { h += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { h += "Content-Length: \(body.count)\r\n" }
        guard let r = try raw(Array((h + "\r\n").utf8) + body) else { throw NetError.closed }
        return r
    }

    func get(_ path: String, _ headers: [String: String] = [:]) throws -> HTTPReply { try request("GET", path, headers: headers) }

    func postForm(_ path: String, _ fields: [(String, String)], _ headers: [String: String] = [:]) throws -> HTTPReply {
        let body = fields.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        var h = headers
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return try request("POST", path, headers: h, body: Array(body.utf8))
    }

    func api(_ method: String, _ path: String, json: String? = nil, token: String? = apiToken, headers: [String: String] = [:]) throws -> HTTPReply {
        var h = headers
        if let token { h["Authorization"] = "Bearer \(token)" }
        if json != nil { h["Content-Type"] = "application/json" }
        return try request(method, path, headers: h, body: Array((json ?? "").utf8))
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// One response off the stream; nil when the server closed without answering.
    static func readReply(_ s: any ByteStream, timeout: Double) throws -> HTTPReply? {
        try readReplies(s, count: 1, timeout: timeout).first
    }

    /// Up to `count` responses in order (pipelined answers may arrive in one read).
    static func readReplies(_ s: any ByteStream, count: Int, timeout: Double) throws -> [HTTPReply] {
        var buf: [UInt8] = []
        let deadline = Deadline.after(seconds: timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        func more() throws -> Bool {
            let n: Int
            do { n = try s.read(into: &chunk, deadline: deadline) } catch NetError.closed { return false }
            if n == 0 { return false }
            buf += chunk[0..<n]
            return true
        }
        var out: [HTTPReply] = []
        while out.count < count {
            var headEnd: Int?
            while headEnd == nil {
                if let r = buf.firstRange(of: [13, 10, 13, 10]) { headEnd = r.upperBound; break }
                guard try more() else { return out }
            }
            let head = String(decoding: buf[0..<headEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let status = Int(lines.removeFirst().split(separator: " ")[1])!
            var headers: [String: String] = [:]
            for l in lines {
                let kv = l.split(separator: ":", maxSplits: 1)
                headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while buf.count - headEnd! < length { guard try more() else { break } }
            let stop = min(buf.count, headEnd! + length)
            out.append(HTTPReply(status: status, headers: headers, body: Array(buf[headEnd!..<stop])))
            buf.removeFirst(stop)
        }
        return out
    }

    /// The value of the hidden nonce field of a page.
    static func nonce(in html: String) -> String? {
        guard let r = html.range(of: "name=\"nonce\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    func history(_ who: String = "bob@example.org") throws -> [ConsentEvent] { try store.history(subject: who) }
}

enum PixelNetConnect {
    static func open(_ port: Int) throws -> TCPStream { try TCPStream.connect(host: "127.0.0.1", port: port, timeout: 5) }
}

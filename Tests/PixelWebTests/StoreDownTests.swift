// StoreDownTests: when the consent store cannot answer, the gate fails closed (the GIF), /healthz
// says 503, a withdrawal answers 503 and nothing crashes; the server keeps serving.
import Foundation
import Logging
import PixelPolicy
import PixelStore
import Testing
@testable import PixelWeb

/// A store whose every call fails as an unreachable backend does.
final class UnreachableStore: ConsentStore {
    let down = StoreError.unavailable("connection refused")
    func profile(for address: String, at time: Date) throws -> ConsentProfile { throw down }
    func register(campaign: String, url: String) throws -> Bool { throw down }
    func record(_ records: [DeliveryRecord]) throws { throw down }
    func record(events: [ConsentEventInput]) throws -> [ConsentEvent] { throw down }
    func history(subject address: String) throws -> [ConsentEvent] { throw down }
    func export(since: Date?, _ visit: (ConsentEvent) throws -> Void) throws { throw down }
    func verify() throws -> ChainVerification { throw down }
    func deliveries(recipient: String, since: Date?) throws -> [DeliveryRecord] { throw down }
    func markDelivered(messageKey: String, recipients: [String]) throws { throw down }
    func wasDelivered(messageKey: String, recipient: String) throws -> Bool { throw down }
    func prune(now: Date) throws -> PruneResult { throw down }
    func close() {}
}

@Suite struct StoreDownTests {
    @Test func failsClosedAndSays503() throws {
        let keyring = try TokenKeyring(current: TokenKey(id: 3, bytes: Array(repeating: 5, count: 32)))
        var s = WebSettings()
        s.port = 0
        s.apiTokens = [WebFixture.apiToken]
        let server = WebServer(settings: s, store: UnreachableStore(), keyring: keyring, hooks: WebHooks(), logger: Logger(label: "t"))
        try server.start()
        defer { server.stop() }
        let now = Int64(Date().timeIntervalSince1970)
        func seal(_ k: TokenKind) -> String {
            keyring.seal(TokenPayload(kind: k, recipient: "bob@example.org", purposes: [.openMeasurement],
                                      url: k == .gate ? "https://t.example.net/x" : nil, issuedAt: now))
        }
        let client = try ClientOnly(port: Int(server.boundPort))
        let gate = try client.get("/o/\(seal(.gate))")
        #expect(gate.status == 200)
        #expect(gate.header("content-type") == "image/gif")
        #expect(try client.get("/healthz").status == 503)
        #expect(try client.get("/p/\(seal(.preferences))").status == 503)
        let w = seal(.withdraw)
        let page = try client.get("/w/\(w)")
        #expect(page.status == 200)
        let nonce = try #require(WebFixture.nonce(in: page.text))
        #expect(try client.post("/w/\(w)", "nonce=\(WebFixture.formEncode(nonce))").status == 503)
        let api = try client.post("/api/v1/consents", #"{"address":"a@example.org","action":"grant","purposes":["open_measurement"]}"#,
                                  headers: ["Authorization": "Bearer \(WebFixture.apiToken)", "Content-Type": "application/json"])
        #expect(api.status == 503)
        #expect(try client.get("/metrics").status == 200)
    }
}

/// Raw-socket client for a server that is not a WebFixture.
struct ClientOnly {
    let port: Int
    init(port: Int) throws { self.port = port }

    func send(_ text: String, body: String = "") throws -> HTTPReply {
        let s = try PixelNetConnect.open(port)
        defer { s.close() }
        try s.write(Array((text + body).utf8), deadline: .after(seconds: 5))
        return try #require(try WebFixture.readReply(s, timeout: 10))
    }

    func get(_ path: String) throws -> HTTPReply {
        try send("GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    }

    func post(_ path: String, _ body: String, headers: [String: String] = ["Content-Type": "application/x-www-form-urlencoded"]) throws -> HTTPReply {
        var h = "POST \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (k, v) in headers { h += "\(k): \(v)\r\n" }
        return try send(h + "\r\n", body: body)
    }
}

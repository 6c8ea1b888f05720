// ConnectionLoopTests: the plain-HTTP connection model (ConnectionLoop + hand-off to session
// threads) over real sockets: pipelined requests answered in order from one read, a request split
// across writes handed to a thread and the connection still kept alive afterwards, a bad request
// after good ones answered with its 4xx, and many concurrent keep-alive clients all served.
import Foundation
import PixelNet
import Testing
@testable import PixelWeb

@Suite struct ConnectionLoopTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let f = try WebFixture()
        let s = try f.connect()
        defer { s.close() }
        let req = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
        try s.write(Array(req.utf8), deadline: .after(seconds: 2))
        let replies = try WebFixture.readReplies(s, count: 3, timeout: 5)
        #expect(replies.map(\.status) == [200, 404, 200])
    }

    @Test func splitRequestIsHandedOffAndConnectionStaysAlive() throws {
        let f = try WebFixture()
        let s = try f.connect()
        defer { s.close() }
        try s.write(Array("GET /heal".utf8), deadline: .after(seconds: 2))
        Thread.sleep(forTimeInterval: 0.2)
        try s.write(Array("thz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 2))
        let first = try WebFixture.readReply(s, timeout: 5)
        #expect(first?.status == 200)
        #expect(first?.text == "ok\n")
        #expect(first?.header("connection") == "keep-alive")
        try s.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 2))
        #expect(try WebFixture.readReply(s, timeout: 5)?.status == 200)
    }

    @Test func badRequestAfterGoodOnesGetsItsError() throws {
        let f = try WebFixture()
        let s = try f.connect()
        defer { s.close() }
        let req = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"
        try s.write(Array(req.utf8), deadline: .after(seconds: 2))
        let replies = try WebFixture.readReplies(s, count: 2, timeout: 5)
        #expect(replies.map(\.status) == [200, 400])
        #expect(replies.last?.header("connection") == "close")
    }

    @Test func postBodyInLaterWriteIsRead() throws {
        let f = try WebFixture()
        let s = try f.connect()
        defer { s.close() }
        let body = #"{"address":"x@example.org","purposes":["open_measurement"],"action":"grant"}"#
        try s.write(Array("POST /api/v1/consents HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(WebFixture.apiToken)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n".utf8),
                    deadline: .after(seconds: 2))
        Thread.sleep(forTimeInterval: 0.2)
        try s.write(Array(body.utf8), deadline: .after(seconds: 2))
        let r = try WebFixture.readReply(s, timeout: 5)
        #expect(r.map { $0.status < 300 } == true)
        #expect(try f.store.profile(for: "x@example.org", at: Date()).granted.contains(.openMeasurement))
    }

    @Test func manyConcurrentKeepAliveClients() throws {
        let f = try WebFixture()
        let ok = GateCounter()
        let port = f.port
        DispatchQueue.concurrentPerform(iterations: 24) { _ in
            guard let s = try? TCPStream.connect(host: "127.0.0.1", port: port, timeout: 5) else { return }
            defer { s.close() }
            for _ in 0..<10 {
                guard (try? s.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 5))) != nil,
                      let r = try? WebFixture.readReply(s, timeout: 10), r.status == 200 else { return }
                ok.hit(.redirect)
            }
        }
        #expect(ok.count(.redirect) == 240)
    }
}

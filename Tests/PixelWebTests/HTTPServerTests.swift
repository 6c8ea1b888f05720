// HTTPServerTests: the HTTP layer over real sockets: security headers on every response, 404/405,
// request limits (414, 431, 413), slow clients (408 or close), keep-alive, X-Forwarded-For only from
// trusted proxies, /healthz and /metrics; after each bad request the server still answers.
import Foundation
import PixelNet
import PixelPolicy
import Testing
@testable import PixelWeb

@Suite struct HTTPServerTests {
    func expectSecurityHeaders(_ r: HTTPReply, _ what: String) {
        #expect(r.header("content-security-policy") == "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'", "\(what)")
        #expect(r.header("x-content-type-options") == "nosniff", "\(what)")
        #expect(r.header("referrer-policy") == "no-referrer", "\(what)")
    }

    @Test func securityHeadersOnEveryResponse() throws {
        let f = try WebFixture()
        try f.grant([.openMeasurement])
        var replies: [(String, HTTPReply)] = []
        replies.append(("gate 302", try f.get("/o/\(f.token(.gate))")))
        replies.append(("gate gif", try f.get("/o/bad")))
        replies.append(("withdraw", try f.get("/w/\(f.token(.withdraw))")))
        replies.append(("prefs", try f.get("/p/\(f.token(.preferences))")))
        replies.append(("403", try f.postForm("/w/\(f.token(.withdraw))", [])))
        replies.append(("404", try f.get("/nothing")))
        replies.append(("405", try f.request("DELETE", "/o/x")))
        replies.append(("401", try f.api("GET", "/api/v1/consents/a@example.org", token: nil)))
        replies.append(("health", try f.get("/healthz")))
        replies.append(("metrics", try f.get("/metrics")))
        replies.append(("413", try #require(try f.raw(Array("POST /w/x HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n".utf8)))))
        replies.append(("400", try #require(try f.raw(Array("garbage\r\n\r\n".utf8)))))
        for (what, r) in replies { expectSecurityHeaders(r, what) }
        #expect(replies[0].1.status == 302)
        #expect(replies[5].1.status == 404)
        #expect(replies[10].1.status == 413)
        #expect(replies[11].1.status == 400)
    }

    @Test func unknownPathAndWrongMethod() throws {
        let f = try WebFixture()
        #expect(try f.get("/").status == 404)
        #expect(try f.get("/o").status == 404)
        #expect(try f.get("/api/v1/nothing").status == 404)
        let r = try f.request("PUT", "/w/abc")
        #expect(r.status == 405)
        #expect(r.header("allow") == "GET, HEAD, POST")
        #expect(try f.request("GET", "/api/v1/consents").header("allow") == "POST")
        #expect(try f.request("POST", "/o/abc").header("allow") == "GET, HEAD")
        let head = try f.request("HEAD", "/healthz")
        #expect(head.status == 200)
    }

    @Test func oversizeRequestLineHeadersAndBody() throws {
        let f = try WebFixture {
            $0.limits.maxRequestLine = 1024
            $0.limits.maxHeaderBytes = 2048
            $0.limits.maxBody = 4096
        }
        let longLine = "GET /o/" + String(repeating: "a", count: 3000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(try f.raw(Array(longLine.utf8))?.status == 414)
        var big = "GET /healthz HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<100 { big += "X-Filler-\(i): " + String(repeating: "b", count: 40) + "\r\n" }
        #expect(try f.raw(Array((big + "\r\n").utf8))?.status == 431)
        let body = String(repeating: "x", count: 5000)
        let post = "POST /api/v1/consents HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n\(body)"
        #expect(try f.raw(Array(post.utf8))?.status == 413)
        // A client still sending a large body reads the 413 rather than a reset.
        let huge = Array("POST /api/v1/consents HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n".utf8) + [UInt8](repeating: 120, count: 2_000_000)
        #expect(try f.raw(huge)?.status == 413)
        #expect(try f.raw(Array("POST /w/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))?.status == 501)
        #expect(try f.raw(Array("GET /healthz HTTP/2.0\r\nHost: a\r\n\r\n".utf8))?.status == 505)
        #expect(try f.raw(Array("GET /healthz HTTP/1.1\r\n\r\n".utf8))?.status == 400)
        #expect(try f.get("/healthz").status == 200)
    }

    @Test func slowClientIsCutOffAndServerStaysUp() throws {
        let f = try WebFixture { $0.limits.readTimeout = 0.5 }
        let s = try f.connect()
        defer { s.close() }
        try s.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n".utf8), deadline: .after(seconds: 2))
        let started = Date()
        let r = try WebFixture.readReply(s, timeout: 5)
        #expect(Date().timeIntervalSince(started) < 4)
        if let r { #expect(r.status == 408) }
        // An idle connection that never sends a byte is closed without an answer.
        let idle = try f.connect()
        defer { idle.close() }
        #expect(try WebFixture.readReply(idle, timeout: 5) == nil)
        #expect(try f.get("/healthz").status == 200)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let f = try WebFixture()
        let s = try f.connect()
        defer { s.close() }
        let req = Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        try s.write(req + req, deadline: .after(seconds: 2))
        #expect(try WebFixture.readReplies(s, count: 2, timeout: 5).map(\.status) == [200, 200])
        try s.write(req, deadline: .after(seconds: 2))
        let third = try WebFixture.readReply(s, timeout: 5)
        #expect(third?.text == "ok\n")
        #expect(third?.header("connection") == "keep-alive")
    }

    @Test func forwardedForOnlyFromTrustedProxies() throws {
        let untrusted = try WebFixture { $0.apiRateLimit = 1 }
        #expect(try untrusted.api("GET", "/api/v1/consents/a@example.org", headers: ["X-Forwarded-For": "203.0.113.1"]).status == 200)
        #expect(try untrusted.api("GET", "/api/v1/consents/a@example.org", headers: ["X-Forwarded-For": "203.0.113.2"]).status == 429)

        let trusted = try WebFixture { $0.apiRateLimit = 1; $0.trustedProxies = ["127.0.0.1/32"] }
        #expect(try trusted.api("GET", "/api/v1/consents/a@example.org", headers: ["X-Forwarded-For": "203.0.113.1"]).status == 200)
        #expect(try trusted.api("GET", "/api/v1/consents/a@example.org", headers: ["X-Forwarded-For": "203.0.113.2"]).status == 200)
        // A client cannot pick its address by prepending entries: the right-most untrusted hop counts.
        #expect(try trusted.api("GET", "/api/v1/consents/a@example.org", headers: ["X-Forwarded-For": "198.51.100.7, 203.0.113.2"]).status == 429)

        // Evidence hashes the resolved client address.
        let t = trusted.token(.withdraw)
        let nonce = try #require(WebFixture.nonce(in: try trusted.get("/w/\(t)").text))
        #expect(try trusted.postForm("/w/\(t)", [("nonce", nonce)], ["X-Forwarded-For": "192.0.2.44"]).status == 200)
        let ev = try #require(try JSONSerialization.jsonObject(with: Data(try trusted.history()[0].evidence.utf8)) as? [String: Any])
        #expect(ev["ip_hash"] as? String == WebKeys(keyring: trusted.keyring).hashIP("192.0.2.44"))
    }

    @Test func clientAddressRules() throws {
        guard case .success(let nets) = IPNetworkList.parse(["10.0.0.0/8"]) else { Issue.record("parse"); return }
        let c = ClientAddress(trusted: nets)
        #expect(c.resolve(peer: "10.1.1.1", forwardedFor: "1.2.3.4") == "1.2.3.4")
        #expect(c.resolve(peer: "10.1.1.1", forwardedFor: "1.2.3.4, 10.2.2.2") == "1.2.3.4")
        #expect(c.resolve(peer: "192.0.2.1", forwardedFor: "1.2.3.4") == "192.0.2.1")
        #expect(c.resolve(peer: "10.1.1.1", forwardedFor: "junk") == "10.1.1.1")
        #expect(c.resolve(peer: "10.1.1.1", forwardedFor: nil) == "10.1.1.1")
    }

    @Test func healthAndMetrics() throws {
        let f = try WebFixture()
        let h = try f.get("/healthz")
        #expect(h.status == 200)
        #expect(h.text == "ok\n")
        let m = try f.get("/metrics")
        #expect(m.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(m.text == "pixelgate_test_total 7\n")
    }

    @Test func metricsOnlyForAllowedClients() throws {
        let f = try WebFixture { $0.metricsAllow = ["10.0.0.0/8"] }
        let r = try f.get("/metrics")
        #expect(r.status == 403)
        #expect(!r.text.contains("pixelgate_test_total"))
        // Behind a trusted proxy the real client counts, not the proxy's loopback address.
        let p = try WebFixture { $0.trustedProxies = ["127.0.0.1/32"] }
        #expect(try p.get("/metrics").status == 200)
        #expect(try p.get("/metrics", ["X-Forwarded-For": "203.0.113.9"]).status == 403)
    }

    @Test func tooManyConnectionsGet503() throws {
        let f = try WebFixture { $0.maxConnections = 1 }
        let hold = try f.connect()
        defer { hold.close() }
        // A request in progress holds the only slot.
        try hold.write(Array("GET /healthz HTTP/1.1\r\n".utf8), deadline: .after(seconds: 2))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try f.raw(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8))?.status == 503)
        try hold.write(Array("Host: a\r\n\r\n".utf8), deadline: .after(seconds: 2))
        let r = try WebFixture.readReply(hold, timeout: 5)
        #expect(r?.status == 200)
        // Above 80 % of max_connections the answer closes the connection, freeing the slot.
        #expect(r?.header("connection") == "close")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try f.get("/healthz").status == 200)
    }

    @Test func idleKeepAliveConnectionIsClosedAfterKeepaliveTimeout() throws {
        let f = try WebFixture { $0.limits.keepaliveTimeout = 0.3 }
        let s = try f.connect()
        defer { s.close() }
        try s.write(Array("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n".utf8), deadline: .after(seconds: 2))
        #expect(try WebFixture.readReply(s, timeout: 5)?.header("connection") == "keep-alive")
        let started = Date()
        #expect(try WebFixture.readReply(s, timeout: 5) == nil)
        #expect(Date().timeIntervalSince(started) < 3)
    }
}

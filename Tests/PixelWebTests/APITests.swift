// APITests: the consent API over a real socket: bearer auth (401 + WWW-Authenticate), bad input (400
// with {"error"}), grant/withdraw with the caller's evidence (201), state and history reads, and the
// per-client rate limit (429 + Retry-After).
import Foundation
import PixelPolicy
import Testing
@testable import PixelWeb

@Suite struct APITests {
    let body = #"{"address": "Alice@Example.ORG", "action": "grant", "purposes": ["open_measurement", "personalization"], "evidence": {"form": "signup-v3", "checkbox": true}}"#

    @Test func authIsRequired() throws {
        let f = try WebFixture()
        for token in [nil, "wrong-token-wrong-token", ""] as [String?] {
            let r = try f.api("POST", "/api/v1/consents", json: body, token: token)
            #expect(r.status == 401)
            #expect(r.header("www-authenticate")?.hasPrefix("Bearer") == true)
            #expect(r.json["error"] is String)
        }
        #expect(try f.api("GET", "/api/v1/consents/alice@example.org", token: nil).status == 401)
        #expect(try f.api("GET", "/api/v1/consents/alice@example.org/history", token: "x").status == 401)
        #expect(try f.history("alice@example.org").isEmpty)
    }

    @Test func grantThenReadStateAndHistory() throws {
        let f = try WebFixture()
        let r = try f.api("POST", "/api/v1/consents", json: body, headers: ["User-Agent": "shop-backend/2"])
        #expect(r.status == 201)
        let events = try #require(r.json["events"] as? [[String: Any]])
        #expect(events.count == 2)
        #expect(events[0]["subject"] as? String == "alice@example.org")
        #expect(events[0]["purpose"] as? String == "open_measurement")
        #expect(events[0]["action"] as? String == "grant")
        #expect(events[0]["source"] as? String == "api")
        #expect((events[0]["hash"] as? String)?.count == 64)
        let ev = try #require(events[0]["evidence"] as? [String: Any])
        #expect(ev["form"] as? String == "signup-v3")
        #expect(ev["method"] as? String == "api")
        #expect(ev["user_agent"] as? String == "shop-backend/2")

        let s = try f.api("GET", "/api/v1/consents/Alice%40example.org")
        #expect(s.status == 200)
        #expect(s.json["address"] as? String == "alice@example.org")
        let ps = try #require(s.json["purposes"] as? [String: [String: Any]])
        #expect(ps["open_measurement"]?["granted"] as? Bool == true)
        #expect(ps["personalization"]?["event"] as? Int == events[1]["id"] as? Int)
        #expect(ps["cross_channel"]?["granted"] as? Bool == false)

        let w = try f.api("POST", "/api/v1/consents", json: #"{"address": "alice@example.org", "action": "withdraw", "purposes": ["personalization"], "at": "2020-01-01T00:00:00Z"}"#)
        #expect(w.status == 201)
        let h = try f.api("GET", "/api/v1/consents/alice@example.org/history")
        let hist = try #require(h.json["events"] as? [[String: Any]])
        #expect(hist.count == 3)
        #expect(hist[0]["at"] as? String == "2020-01-01T00:00:00.000Z")
        #expect(try f.store.profile(for: "alice@example.org", at: Date()).granted == [.openMeasurement, .personalization])
    }

    @Test func badInputIs400AndWritesNothing() throws {
        let f = try WebFixture()
        let cases = [
            "{not json", "[1,2]", #"{"action": "grant", "purposes": ["open_measurement"]}"#,
            #"{"address": "a@example.org", "purposes": ["open_measurement"]}"#,
            #"{"address": "a@example.org", "action": "grant"}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": []}"#,
            #"{"address": "a@example.org", "action": "maybe", "purposes": ["open_measurement"]}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": ["open_measurement", "mind_reading"]}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": ["anonymous_statistics"]}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": ["open_measurement"], "evidence": "text"}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": ["open_measurement"], "at": "yesterday"}"#,
            #"{"address": "not an address", "action": "grant", "purposes": ["open_measurement"]}"#,
            #"{"address": "a@example.org", "action": "grant", "purposes": ["open_measurement"], "extra": 1}"#,
        ]
        for c in cases {
            let r = try f.api("POST", "/api/v1/consents", json: c)
            #expect(r.status == 400, "\(c)")
            #expect((r.json["error"] as? String)?.isEmpty == false, "\(c)")
        }
        #expect(try f.history("a@example.org").isEmpty)
        #expect(try f.api("GET", "/api/v1/consents/not-an-address").status == 400)
    }

    @Test func rateLimitedPerClient() throws {
        let f = try WebFixture { $0.apiRateLimit = 3 }
        for _ in 0..<3 { #expect(try f.api("GET", "/api/v1/consents/a@example.org").status == 200) }
        let r = try f.api("GET", "/api/v1/consents/a@example.org")
        #expect(r.status == 429)
        #expect(Int(r.header("retry-after") ?? "") ?? 0 >= 1)
        #expect(try f.api("POST", "/api/v1/consents", json: body).status == 429)
        // Pages are not rate limited.
        #expect(try f.get("/healthz").status == 200)
    }

    @Test func limiterRefillsOverTime() {
        let l = RateLimiter(perMinute: 60)
        for _ in 0..<60 { #expect(l.check("a", now: 1000) == .allowed) }
        #expect(l.check("a", now: 1000) == .limited(retryAfter: 1))
        #expect(l.check("b", now: 1000) == .allowed)
        #expect(l.check("a", now: 1001.5) == .allowed)
    }
}

// RateLimiter: a token bucket per client address for the consent API (`api_rate_limit` requests per
// minute, bursts up to the same number). Guarantees: thread-safe; memory is bounded (`maxClients`
// buckets; full buckets are forgotten first when the table is full); a refusal says how many whole
// seconds until the next request would be allowed (Retry-After).
import Foundation

final class RateLimiter: @unchecked Sendable {
    enum Verdict: Equatable {
        case allowed
        case limited(retryAfter: Int)
    }

    private let perMinute: Double
    private let maxClients: Int
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: Double)] = [:]

    init(perMinute: Int, maxClients: Int = 100_000) {
        self.perMinute = Double(max(1, perMinute))
        self.maxClients = maxClients
    }

    func check(_ client: String, now: Double = Date().timeIntervalSince1970) -> Verdict {
        lock.lock(); defer { lock.unlock() }
        let rate = perMinute / 60
        var b = buckets[client] ?? (perMinute, now)
        b.tokens = min(perMinute, b.tokens + (now - b.at) * rate)
        b.at = now
        if b.tokens >= 1 {
            b.tokens -= 1
            store(client, b, now: now)
            return .allowed
        }
        store(client, b, now: now)
        return .limited(retryAfter: max(1, Int(((1 - b.tokens) / rate).rounded(.up))))
    }

    private func store(_ client: String, _ b: (tokens: Double, at: Double), now: Double) {
        if buckets[client] == nil && buckets.count >= maxClients {
            let rate = perMinute / 60
            buckets = buckets.filter { $0.value.tokens + (now - $0.value.at) * rate < perMinute }
            if buckets.count >= maxClients { buckets.removeAll() }
        }
        buckets[client] = b
    }
}

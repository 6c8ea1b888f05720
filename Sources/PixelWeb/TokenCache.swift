// TokenCache: remembers what recently seen tokens decrypt to, so that a mail opened again (or an
// image proxy fetching the same gate URL) does not pay the AES-GCM open and JSON decode again.
// Only the token's *payload* is cached (a pure function of the token under a fixed keyring); the
// consent is still read from the store on every hit, and expiry is still checked on every use.
// Guarantees: thread-safe; at most `capacity` entries per generation, two generations (so memory
// is bounded by 2 × capacity and recently used tokens survive a rollover); capacity 0 disables it;
// tokens that do not open are never cached.
import Foundation
import PixelPolicy

final class TokenCache: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var current: [String: TokenPayload] = [:]
    private var previous: [String: TokenPayload] = [:]

    init(capacity: Int) { self.capacity = max(0, capacity) }

    func open(_ token: String, with keyring: TokenKeyring) -> TokenPayload? {
        if capacity == 0 { return keyring.open(token) }
        let hit: TokenPayload? = lock.withLock {
            if let p = current[token] { return p }
            if let p = previous[token] {
                current[token] = p
                return p
            }
            return nil
        }
        if let hit { return hit }
        guard let p = keyring.open(token) else { return nil }
        lock.withLock {
            if current.count >= capacity {
                previous = current
                current = [:]
            }
            current[token] = p
        }
        return p
    }
}

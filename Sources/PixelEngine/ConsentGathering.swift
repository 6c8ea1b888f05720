// ConsentGathering: the consent lookups of one message's recipients, started early (at RCPT) on a
// background queue and collected once the message is complete, with a bound. Guarantees: `wait`
// never blocks past its deadline; a lookup that throws or is late follows the store-error policy:
// `strip` gives a no-consent profile that also suppresses the "ask" footer (the recipient's state
// is unknown) and reports the error; `tempfail` throws `ConsentUnavailable` so the caller answers 451.
import Foundation
import PixelPolicy

/// The store could not answer for a recipient and the policy is `tempfail`.
public struct ConsentUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var recipient: String
    public var reason: String
    public init(recipient: String, reason: String) {
        self.recipient = recipient
        self.reason = reason
    }
    public var description: String { "consent store unavailable for \(recipient): \(reason)" }
}

/// A lookup did not finish in time.
public struct ConsentTimeout: Error, Sendable, CustomStringConvertible {
    public var description: String { "consent lookup timed out" }
}

/// One recipient's lookup in flight; also carries the recipient's outcome from planning to logging.
public final class PendingConsent: @unchecked Sendable {
    public let address: String
    private let condition = NSCondition()
    private var result: Result<ConsentProfile, any Error>?
    private var summary: RecipientSummary?

    public init(address: String) { self.address = address }

    /// Starts `lookup` on `queue` and returns at once.
    public func start(_ lookup: any ConsentLookup, on queue: DispatchQueue, now: @escaping @Sendable () -> Date = { Date() }) {
        queue.async {
            let r: Result<ConsentProfile, any Error>
            do { r = .success(try lookup.profile(for: self.address, at: now())) } catch { r = .failure(error) }
            self.condition.lock()
            self.result = r
            self.condition.broadcast()
            self.condition.unlock()
        }
    }

    /// The lookup's result, or nil when it has not finished by `deadline`.
    public func wait(until deadline: Date) -> Result<ConsentProfile, any Error>? {
        condition.lock(); defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: deadline) { break }
        }
        return result
    }

    public func setSummary(_ s: RecipientSummary) {
        condition.lock(); summary = s; condition.unlock()
    }

    public func recipientSummary() -> RecipientSummary? {
        condition.lock(); defer { condition.unlock() }
        return summary
    }
}

/// A profile to decide with, and the store error it replaces (strip policy), if any.
public struct GatheredConsent: Sendable {
    public var profile: ConsentProfile
    public var storeError: String?

    public init(profile: ConsentProfile, storeError: String? = nil) {
        self.profile = profile
        self.storeError = storeError
    }
}

public enum ConsentGathering {
    /// Waits for every lookup until `deadline` and applies `policy` to failures.
    public static func gather(_ pending: [PendingConsent], deadline: Date, policy: StoreErrorPolicy) throws(ConsentUnavailable) -> [GatheredConsent] {
        var out: [GatheredConsent] = []
        for p in pending {
            switch p.wait(until: deadline) ?? .failure(ConsentTimeout()) {
            case .success(let profile):
                out.append(GatheredConsent(profile: profile, storeError: nil))
            case .failure(let e):
                if policy == .tempfail { throw ConsentUnavailable(recipient: p.address, reason: "\(e)") }
                out.append(GatheredConsent(profile: ConsentProfile(granted: [], hasExpressedChoice: true), storeError: "\(e)"))
            }
        }
        return out
    }
}

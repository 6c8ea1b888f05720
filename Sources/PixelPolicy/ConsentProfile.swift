// ConsentProfile: what the consent store says about one recipient at one instant.
// No record means refusal (consent is never presumed); `hasExpressedChoice` tells "never asked"
// (footer kind `ask`) from "asked and refused everything".
import Foundation

public struct ConsentProfile: Sendable, Equatable {
    /// Purposes with a valid, current grant. Never contains an exempt purpose.
    public var granted: Set<Purpose>
    /// Ids of the consent events the grants rest on, for delivery records (proof).
    public var eventIDs: [Int64]
    /// True once the recipient has any consent event, grant or withdrawal.
    public var hasExpressedChoice: Bool

    public init(granted: Set<Purpose>, eventIDs: [Int64] = [], hasExpressedChoice: Bool) {
        self.granted = granted.filter { !$0.isExempt }
        self.eventIDs = eventIDs
        self.hasExpressedChoice = hasExpressedChoice
    }

    /// No consent at all, never expressed.
    public static let none = ConsentProfile(granted: [], hasExpressedChoice: false)
}

/// Remembers, per campaign, the one URL an `anonymous_statistics` tracker may use.
/// `register` returns true when `url` is the campaign's URL (first sight registers it).
/// In memory for `filter`; store-backed in the relay so it holds across messages and instances.
public protocol CampaignRegistry: Sendable {
    func register(campaign: String, url: String) throws -> Bool
}

/// In-memory registry (for `filter`, `scan` and tests).
public final class MemoryCampaignRegistry: CampaignRegistry, @unchecked Sendable {
    private var urls: [String: Set<String>] = [:]
    private let lock = NSLock()

    public init() {}

    public func register(campaign: String, url: String) throws -> Bool {
        lock.lock(); defer { lock.unlock() }
        if let known = urls[campaign] { return known.contains(url) }
        urls[campaign] = [url]
        return true
    }
}

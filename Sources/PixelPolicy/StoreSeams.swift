// StoreSeams: what policy and engine need from a consent store, as protocols, so that neither
// knows SQL. The consent store (PixelStore) implements them; tests may use in-memory versions.
import Foundation

/// Looks up one recipient's consent profile at an instant. Implementations bound their own time
/// (a lookup never hangs past the store timeout) and throw when the store cannot answer.
public protocol ConsentLookup: Sendable {
    func profile(for address: String, at time: Date) throws -> ConsentProfile
}

/// One tracker as kept in a delivery record.
public struct TrackerRecord: Sendable, Codable, Equatable {
    public var url: String
    public var vector: String
    public var purposes: [String]

    public init(url: String, vector: String, purposes: [String]) {
        self.url = url
        self.vector = vector
        self.purposes = purposes
    }
}

/// Proof of one decision for one recipient of one message (DESIGN "Data path" step 8).
public struct DeliveryRecord: Sendable, Codable, Equatable {
    public var time: Date
    public var messageID: String?
    public var queueID: String?
    public var recipient: String
    public var kept: [TrackerRecord]
    public var removed: [TrackerRecord]
    /// The consent events the kept consent-based trackers rely on.
    public var consentEventIDs: [Int64]
    /// withdraw | ask | none
    public var footer: String
    /// The upstream reply for this recipient, e.g. "250 2.0.0 Ok".
    public var upstreamReply: String

    public init(time: Date, messageID: String?, queueID: String?, recipient: String, kept: [TrackerRecord],
                removed: [TrackerRecord], consentEventIDs: [Int64], footer: String, upstreamReply: String) {
        self.time = time
        self.messageID = messageID
        self.queueID = queueID
        self.recipient = recipient
        self.kept = kept
        self.removed = removed
        self.consentEventIDs = consentEventIDs
        self.footer = footer
        self.upstreamReply = upstreamReply
    }
}

/// What to do when the consent store cannot answer (`[store] on_store_error`, DESIGN "Failure rules").
public enum StoreErrorPolicy: String, Sendable, CaseIterable {
    /// Remove every consent-based tracker, deliver, warn.
    case strip
    /// Answer 451 so that the client retries.
    case tempfail
}

public protocol DeliveryRecorder: Sendable {
    func record(_ records: [DeliveryRecord]) throws
}

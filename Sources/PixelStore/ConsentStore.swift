// ConsentStore: the one protocol every consent-store backend implements (SQLite, PostgreSQL,
// HTTP lookup), and the value types it speaks.
// Contract:
// - `profile(for:at:)` is one indexed read; it throws `StoreError.unavailable` within the store
//   timeout when the store cannot answer, never hangs.
// - `record(events:)` is atomic: every event is validated and normalised first, then all are
//   appended to the hash chain and the current state in ONE transaction, or none is.
// - `consent_events` is append-only: no backend has an UPDATE or DELETE path for it.
// - `history` is in time order (then id); `export` is in chain (id) order; `verify` walks the
//   whole chain and names the first bad event.
// - The journal and the campaign registry are named as the relay's DeliveryJournal expects.
import Foundation
import PixelPolicy

/// grant | withdraw
public enum ConsentAction: String, Sendable, Codable, CaseIterable {
    case grant
    case withdraw
}

/// A consent change as submitted (CLI, import, web). Validated and normalised by the store.
public struct ConsentEventInput: Sendable, Equatable {
    /// The address as given; the store normalises it (AddressNormalizer).
    public var address: String
    /// A purpose id as given; must be a consentable (non-exempt) purpose.
    public var purpose: String
    public var action: ConsentAction
    /// When the subject made the choice; nil means now. Stored with millisecond precision (UTC).
    public var at: Date?
    /// Who recorded it: "cli", "web", "import", a platform name...
    public var source: String
    /// JSON text (object, array or value): what was shown to the subject and how. Size-limited.
    public var evidence: String

    public init(address: String, purpose: String, action: ConsentAction, at: Date? = nil, source: String, evidence: String) {
        self.address = address
        self.purpose = purpose
        self.action = action
        self.at = at
        self.source = source
        self.evidence = evidence
    }
}

/// One stored, chained consent event.
public struct ConsentEvent: Sendable, Equatable, Codable {
    public var id: Int64
    /// The normalised address.
    public var subject: String
    public var purpose: Purpose
    public var action: ConsentAction
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var atMillis: Int64
    public var source: String
    public var evidence: String
    public var prevHash: String
    public var hash: String

    public init(id: Int64, subject: String, purpose: Purpose, action: ConsentAction, atMillis: Int64,
                source: String, evidence: String, prevHash: String, hash: String) {
        self.id = id
        self.subject = subject
        self.purpose = purpose
        self.action = action
        self.atMillis = atMillis
        self.source = source
        self.evidence = evidence
        self.prevHash = prevHash
        self.hash = hash
    }

    public var at: Date { Date(timeIntervalSince1970: Double(atMillis) / 1000) }
}

/// The result of walking the chain.
public enum ChainVerification: Sendable, Equatable, CustomStringConvertible {
    /// Every event checks; this many events.
    case ok(Int)
    /// The first event (by id) that does not check, and why.
    case broken(Int64, String)

    public var description: String {
        switch self {
        case .ok(let n): return "ok: \(n) events"
        case .broken(let id, let reason): return "broken at event \(id): \(reason)"
        }
    }
}

/// What a prune removed.
public struct PruneResult: Sendable, Equatable {
    public var deliveries: Int
    public var journal: Int
    public init(deliveries: Int, journal: Int) { self.deliveries = deliveries; self.journal = journal }
}

public protocol ConsentStore: ConsentLookup, CampaignRegistry, DeliveryRecorder, Sendable {
    /// Appends the events atomically (all or nothing) and returns them as stored, in order.
    @discardableResult
    func record(events: [ConsentEventInput]) throws -> [ConsentEvent]
    /// One subject's events in time order (then id). `address` is normalised first.
    func history(subject address: String) throws -> [ConsentEvent]
    /// Every event with `at >= since` (all when nil), in chain order, handed to `visit` one by one
    /// so that a large export does not sit in memory. `visit` must not call back into the store
    /// (SQLite runs it inside a read transaction); it may throw to stop the export.
    func export(since: Date?, _ visit: (ConsentEvent) throws -> Void) throws
    /// Recomputes every hash and link of the chain.
    func verify() throws -> ChainVerification
    /// The delivery records of one recipient (as recorded) at or after `since`, oldest first.
    func deliveries(recipient: String, since: Date?) throws -> [DeliveryRecord]
    /// Records that upstream accepted these recipients of this message (idempotent).
    func markDelivered(messageKey: String, recipients: [String]) throws
    func wasDelivered(messageKey: String, recipient: String) throws -> Bool
    /// Deletes delivery records older than `retention` and journal rows older than `journal_retention`.
    @discardableResult
    func prune(now: Date) throws -> PruneResult
    /// Releases connections. The store must not be used afterwards.
    func close()
}

extension ConsentStore {
    /// Every event with `at >= since`, in memory.
    public func export(since: Date?) throws -> [ConsentEvent] {
        var out: [ConsentEvent] = []
        try export(since: since) { out.append($0) }
        return out
    }
}

/// Settings every backend shares (the `[store]` section, already parsed).
public struct StoreOptions: Sendable {
    /// Bound on one lookup or one small write, in seconds (`timeout`).
    public var timeout: Double = 2
    /// Bound on one bulk append (import) including the wait for the append lock (`bulk_timeout`).
    public var bulkTimeout: Double = 600
    /// PostgreSQL connections / SQLite readers (`pool_size`).
    public var poolSize: Int = 4
    /// HTTP backend cache (`cache_ttl`).
    public var cacheTTL: Double = 5
    public var caseInsensitiveLocalPart: Bool = true
    /// Delivery records are kept this long (`retention`).
    public var retention: Double = 400 * 86400
    /// Journal rows are kept this long (`journal_retention`).
    public var journalRetention: Double = 7 * 86400
    public var maxEvidenceSize: Int = 16 * 1024

    public init() {}
}

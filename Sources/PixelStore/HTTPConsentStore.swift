// HTTPConsentStore: the read-only backend. Consents live in an existing platform (HTTPConsentLookup);
// what pixelgate itself must remember lives in a local SQLite file in the state directory
// (default `<state_dir>/pixelgate-local.sqlite`): the delivery journal, the campaign registry and
// the delivery records.
// Contract: lookups go to the platform; every consent write, history, export and verify throws
// `StoreError.readOnly` naming the platform (the proof of consent is the platform's job).
import Foundation
import PixelPolicy

public final class HTTPConsentStore: ConsentStore, @unchecked Sendable {
    let lookup: HTTPConsentLookup
    let local: SQLiteConsentStore
    let url: String

    public init(url: String, localPath: String, options: StoreOptions) throws {
        self.url = url
        lookup = try HTTPConsentLookup(url: url, options: options)
        local = try SQLiteConsentStore(path: localPath, options: options)
    }

    private func readOnly(_ what: String) -> StoreError {
        .readOnly("\(what) is not possible with backend = \"http\": consents live in the platform at \(url)")
    }

    public func profile(for address: String, at time: Date) throws -> ConsentProfile {
        try lookup.profile(for: address, at: time)
    }

    @discardableResult
    public func record(events: [ConsentEventInput]) throws -> [ConsentEvent] { throw readOnly("recording consent events") }
    public func history(subject address: String) throws -> [ConsentEvent] { throw readOnly("reading a history") }
    public func export(since: Date?, _ visit: (ConsentEvent) throws -> Void) throws { throw readOnly("exporting events") }
    public func verify() throws -> ChainVerification { throw readOnly("verifying the chain") }

    public func record(_ records: [DeliveryRecord]) throws { try local.record(records) }
    public func deliveries(recipient: String, since: Date?) throws -> [DeliveryRecord] { try local.deliveries(recipient: recipient, since: since) }
    @discardableResult
    public func prune(now: Date) throws -> PruneResult { try local.prune(now: now) }
    public func markDelivered(messageKey: String, recipients: [String]) throws { try local.markDelivered(messageKey: messageKey, recipients: recipients) }
    public func wasDelivered(messageKey: String, recipient: String) throws -> Bool { try local.wasDelivered(messageKey: messageKey, recipient: recipient) }
    public func register(campaign: String, url: String) throws -> Bool { try local.register(campaign: campaign, url: url) }
    public func close() { local.close() }
}

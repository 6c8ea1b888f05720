// SQLiteConsentStore: the embedded default backend (GRDB over the system SQLite).
// Contract:
// - The file (default `<state_dir>/consent.sqlite`, mode 0600) and its directory (0700) are created on first use;
//   the database is in WAL mode with `synchronous = FULL` (a consent, once acknowledged, survives a
//   power cut), a busy timeout equal to the store `timeout`, and a DatabasePool of `pool_size`
//   readers, so lookups run concurrently with one writer. Statements are prepared and cached.
// - Appends take the write lock first (BEGIN IMMEDIATE), then read the chain head, so several
//   processes on one file still build one chain.
// - Lookups run on SQLiteLookupReaders (raw prepared statements on read-only connections); all
//   the rest on GRDB's DatabasePool.
// - Every SQLite failure becomes `StoreError.unavailable` with SQLite's message; nothing half-done
//   is left (each write is one transaction; delivery records of concurrent sessions share one,
//   GroupCommit).
import Foundation
import GRDB
import PixelPolicy

public final class SQLiteConsentStore: ConsentStore, @unchecked Sendable {
    public let path: String
    let pool: DatabasePool
    /// The lookup hot path (see SQLiteLookupReaders for why it bypasses the DatabasePool).
    let readers: SQLiteLookupReaders
    let options: StoreOptions
    let normalizer: AddressNormalizer
    private let pruneSchedule = PruneSchedule()
    private let recordCommits = GroupCommit<DeliveryRecord>()
    /// Opportunistic pruning runs from `record(_ deliveries:)` at most this often (seconds).
    /// Bytes of the database file each connection maps into memory for reads (1 GiB).
    static let mmapSize = 1 << 30
    /// Appends of at least this many events checkpoint the WAL afterwards.
    static let checkpointAfter = 10_000

    public init(path: String, options: StoreOptions) throws {
        self.path = path
        self.options = options
        self.normalizer = AddressNormalizer(caseInsensitiveLocalPart: options.caseInsensitiveLocalPart)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.unavailable("cannot create \(dir): \(error.localizedDescription)")
            }
        }
        // Consents are personal data: the file (and SQLite's -wal/-shm, which copy its mode) is 0600.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var config = Configuration()
        config.busyMode = .timeout(options.timeout)
        config.maximumReaderCount = max(1, options.poolSize)
        config.label = "pixelgate-consent"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Lookups read pages through a memory map instead of pread() into each connection's cache.
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mmapSize)")
        }
        readers = SQLiteLookupReaders(path: path, size: options.poolSize, timeout: options.timeout, mmapSize: Self.mmapSize)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrate(pool)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("cannot open \(path): \(Self.mapped(error).description.replacingOccurrences(of: "consent store unavailable: ", with: ""))")
        }
    }

    static func migrate(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
                let current = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0
                if current > SchemaMigrations.latest {
                    throw StoreError.schema("database version \(current) is newer than this pixelgate (\(SchemaMigrations.latest))")
                }
                for (i, step) in SchemaMigrations.steps(.sqlite).enumerated() where i + 1 > current {
                    for sql in step { try db.execute(sql: sql) }
                    try db.execute(sql: "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                                   arguments: [i + 1, TimeFormat.millis(Date())])
                }
                return .commit
            }
        }
    }

    static func mapped(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            if e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                return .unavailable("SQLite database is locked (busy timeout reached)")
            }
            return .unavailable("SQLite: \(e.message ?? e.resultCode.description)")
        }
        return .unavailable("SQLite: \(error)")
    }

    /// Runs `body`, turning every failure into a StoreError.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw Self.mapped(error) }
    }

    // MARK: lookup

    public func profile(for address: String, at time: Date) throws -> ConsentProfile {
        let subject = try normalizer.normalize(address)
        return try readers.profile(subject: subject, atMillis: TimeFormat.millis(time))
    }

    // MARK: events

    @discardableResult
    public func record(events inputs: [ConsentEventInput]) throws -> [ConsentEvent] {
        let pending = try EventChain.validate(inputs, normalizer: normalizer, maxEvidenceSize: options.maxEvidenceSize)
        if pending.isEmpty { return [] }
        let result = try guarded {
            try pool.writeWithoutTransaction { db in
                var stored: [ConsentEvent] = []
                try db.inTransaction(.immediate) {
                    let head = try Row.fetchOne(db, sql: "SELECT id, hash FROM consent_events ORDER BY id DESC LIMIT 1")
                    let events = EventChain.chain(pending, afterID: head?[0] ?? 0, hash: head?[1] ?? EventChain.genesisHash)
                    let insert = try db.cachedStatement(sql: """
                        INSERT INTO consent_events (id, subject, purpose, action, at, source, evidence, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for e in events {
                        try insert.execute(arguments: [e.id, e.subject, e.purpose.id, e.action.rawValue, e.atMillis,
                                                       e.source, e.evidence, e.prevHash, e.hash])
                    }
                    let upsert = try db.cachedStatement(sql: """
                        INSERT INTO consent_state (subject, purpose, granted, event_id, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (subject, purpose) DO UPDATE SET granted = excluded.granted,
                          event_id = excluded.event_id, updated_at = excluded.updated_at
                        WHERE excluded.updated_at >= consent_state.updated_at
                        """)
                    for (subject, row) in ProfileBuilder.finalStates(events) {
                        try upsert.execute(arguments: [subject, row.purpose, row.granted, row.eventID, row.updatedAt])
                    }
                    stored = events
                    return .commit
                }
                return stored
            }
        }
        if pending.count >= Self.checkpointAfter {
            // A bulk import leaves its pages in the WAL, where every later read would look them up:
            // copy them into the database file now. Best effort (a busy reader only delays it).
            try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        return result
    }

    static let eventColumns = "id, subject, purpose, action, at, source, evidence, prev_hash, hash"

    static func rawRow(_ r: Row) -> RawEventRow {
        RawEventRow(id: r[0], subject: r[1], purpose: r[2], action: r[3], atMillis: r[4], source: r[5],
                    evidence: r[6], prevHash: r[7], hash: r[8])
    }

    public func history(subject address: String) throws -> [ConsentEvent] {
        let subject = try normalizer.normalize(address)
        return try guarded {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM consent_events WHERE subject = ? ORDER BY at, id",
                                 arguments: [subject]).compactMap { Self.rawRow($0).event }
            }
        }
    }

    public func export(since: Date?, _ visit: (ConsentEvent) throws -> Void) throws {
        let from = since.map(TimeFormat.millis) ?? Int64.min
        try guarded {
            try pool.read { db in
                let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.eventColumns) FROM consent_events WHERE at >= ? ORDER BY id",
                                                 arguments: [from])
                while let row = try cursor.next() {
                    let raw = Self.rawRow(row)
                    guard let e = raw.event else { throw StoreError.invalidEvent("event \(raw.id) has an invalid purpose or action") }
                    try visit(e)
                }
            }
        }
    }

    public func verify() throws -> ChainVerification {
        try guarded {
            try pool.read { db in
                var walker = ChainWalker()
                let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.eventColumns) FROM consent_events ORDER BY id")
                while let row = try cursor.next() {
                    if !walker.feed(Self.rawRow(row)) { return walker.result }
                }
                let orphan = try Int64.fetchOne(db, sql: """
                    SELECT s.event_id FROM consent_state s LEFT JOIN consent_events e ON e.id = s.event_id
                    WHERE e.id IS NULL OR e.subject <> s.subject OR e.purpose <> s.purpose LIMIT 1
                    """)
                if let orphan { return .broken(orphan, "the current state refers to an event that is missing or differs") }
                return walker.result
            }
        }
    }

    // MARK: deliveries, journal, campaigns

    public func record(_ records: [DeliveryRecord]) throws {
        if records.isEmpty { return }
        // Concurrent sessions share one write transaction (one WAL fsync) instead of queueing one each.
        try recordCommits.submit(records) { (records: [DeliveryRecord]) throws in try writeRecords(records) }
        if pruneSchedule.isDue() { try prune(now: Date()) }
    }

    private func writeRecords(_ records: [DeliveryRecord]) throws {
        try guarded {
            try pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO deliveries (at, message_id, queue_id, recipient, kept, removed, consent_event_ids, footer, upstream_reply)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for r in records {
                    let c = DeliveryEncoding.columns(r)
                    try insert.execute(arguments: [c.at, c.messageID, c.queueID, c.recipient, c.kept, c.removed, c.eventIDs, c.footer, c.reply])
                }
            }
        }
    }


    @discardableResult
    public func prune(now: Date) throws -> PruneResult {
        let deliveriesBefore = TimeFormat.millis(now.addingTimeInterval(-options.retention))
        let journalBefore = TimeFormat.millis(now.addingTimeInterval(-options.journalRetention))
        return try guarded {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM deliveries WHERE at < ?", arguments: [deliveriesBefore])
                let d = db.changesCount
                try db.execute(sql: "DELETE FROM delivery_journal WHERE at < ?", arguments: [journalBefore])
                return PruneResult(deliveries: d, journal: db.changesCount)
            }
        }
    }

    public func deliveries(recipient: String, since: Date?) throws -> [DeliveryRecord] {
        let from = since.map(TimeFormat.millis) ?? Int64.min
        return try guarded {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT \(DeliveryEncoding.selectColumns) FROM deliveries WHERE recipient = ? AND at >= ? ORDER BY at, id",
                                 arguments: [recipient, from]).map {
                    DeliveryEncoding.record(at: $0[0], messageID: $0[1], queueID: $0[2], recipient: $0[3], kept: $0[4], removed: $0[5],
                                            eventIDs: $0[6], footer: $0[7], reply: $0[8])
                }
            }
        }
    }

    public func markDelivered(messageKey: String, recipients: [String]) throws {
        if recipients.isEmpty { return }
        let at = TimeFormat.millis(Date())
        try guarded {
            try pool.write { db in
                let stmt = try db.cachedStatement(sql: "INSERT OR IGNORE INTO delivery_journal (message_key, recipient, at) VALUES (?, ?, ?)")
                for r in recipients { try stmt.execute(arguments: [messageKey, r, at]) }
            }
        }
    }

    /// On the lookup readers (raw SQLite, no GRDB hop): this runs for every relayed recipient.
    public func wasDelivered(messageKey: String, recipient: String) throws -> Bool {
        try readers.wasDelivered(messageKey: messageKey, recipient: recipient)
    }

    public func register(campaign: String, url: String) throws -> Bool {
        try guarded {
            try pool.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO campaigns (campaign, url, first_seen) VALUES (?, ?, ?)",
                               arguments: [campaign, url, TimeFormat.millis(Date())])
                let known = try String.fetchOne(db, sql: "SELECT url FROM campaigns WHERE campaign = ?", arguments: [campaign])
                return known == url
            }
        }
    }

    public func close() {
        readers.close()
        try? pool.close()
    }

    /// Raw SQL for tests (tampering, dropping triggers). Not part of the store's API.
    func rawExecute(_ sql: String) throws {
        try guarded { try pool.writeWithoutTransaction { db in try db.execute(sql: sql) } }
    }
}

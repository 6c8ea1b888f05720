// PostgresConsentStore: the shared backend for several pixelgate instances (libpq, no ORM).
// Contract:
// - Every statement is bound (prepared once per connection for the hot ones); lookups are one
//   indexed read bounded by `timeout` on the client (PGConnection deadlines) and on the server
//   (statement_timeout), and retried once on a fresh connection if a pooled one went stale.
// - Appends from any number of instances form ONE chain: inside the transaction the store takes
//   `pg_advisory_xact_lock(appendLockKey)`, reads the chain head, inserts, updates consent_state,
//   commits. Batches over `copyThreshold` events go through COPY (events, then the final states
//   through a temporary table merged with ON CONFLICT). Appends may wait `bulk_timeout`.
// - Migrations run under their own advisory lock, so instances starting together agree.
// - Every failure is `StoreError.unavailable` with PostgreSQL's message; the transaction is rolled
//   back, nothing half-done is left.
import Foundation
import PixelPolicy

public final class PostgresConsentStore: ConsentStore, @unchecked Sendable {
    /// "pixelgat" as a 64-bit key: serialises appends to consent_events across instances.
    static let appendLockKey: Int64 = 0x7069_7865_6C67_6174
    /// Serialises migrations across instances.
    static let migrationLockKey: Int64 = 0x7069_7865_6C67_6D67
    /// Batches larger than this use COPY.
    static let copyThreshold = 64
    /// Rows per COPY buffer sent to the server.
    static let copyChunk = 10_000
    /// Rows per page when walking the chain (export, verify).
    static let pageSize = 5000

    let pool: PGPool
    let options: StoreOptions
    let normalizer: AddressNormalizer
    private let pruneSchedule = PruneSchedule()

    public init(conninfo: String, options: StoreOptions) throws {
        self.options = options
        self.normalizer = AddressNormalizer(caseInsensitiveLocalPart: options.caseInsensitiveLocalPart)
        pool = PGPool(conninfo: conninfo, size: options.poolSize, statementTimeout: options.timeout)
        try migrate()
    }

    private func migrate() throws {
        try pool.transaction(timeout: options.bulkTimeout) { c, d in
            try c.setStatementTimeout(options.bulkTimeout, local: true, d)
            try c.query("SELECT pg_advisory_xact_lock($1::bigint)", [String(Self.migrationLockKey)], d)
            try c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", d)
            let current = Int(try c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], d).int64(0, 0))
            if current > SchemaMigrations.latest {
                throw StoreError.schema("database version \(current) is newer than this pixelgate (\(SchemaMigrations.latest))")
            }
            for (i, step) in SchemaMigrations.steps(.postgres).enumerated() where i + 1 > current {
                for sql in step { try c.execute(sql, d) }
                try c.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                            [String(i + 1), String(TimeFormat.millis(Date()))], d)
            }
        }
    }

    // MARK: lookup

    public func profile(for address: String, at time: Date) throws -> ConsentProfile {
        let subject = try normalizer.normalize(address)
        let atMillis = TimeFormat.millis(time)
        return try pool.run(timeout: options.timeout, retryOnLost: true) { c, d in
            let r = try c.query("SELECT purpose, granted, event_id, updated_at FROM consent_state WHERE subject = $1",
                                [subject], name: "lookup_state", d)
            let rows = (0..<r.rowCount).map {
                StateRow(purpose: r.text($0, 0), granted: r.bool($0, 1), eventID: r.int64($0, 2), updatedAt: r.int64($0, 3))
            }
            return try ProfileBuilder.build(rows: rows, atMillis: atMillis) { purpose, at in
                let p = try c.query("""
                    SELECT action, id FROM consent_events WHERE subject = $1 AND purpose = $2 AND at <= $3
                    ORDER BY at DESC, id DESC LIMIT 1
                    """, [subject, purpose, String(at)], name: "lookup_past", d)
                guard p.rowCount == 1 else { return nil }
                return (p.text(0, 0) == ConsentAction.grant.rawValue, p.int64(0, 1))
            }
        }
    }

    // MARK: events

    @discardableResult
    public func record(events inputs: [ConsentEventInput]) throws -> [ConsentEvent] {
        let pending = try EventChain.validate(inputs, normalizer: normalizer, maxEvidenceSize: options.maxEvidenceSize)
        if pending.isEmpty { return [] }
        return try pool.transaction(timeout: options.bulkTimeout) { c, d in
            try c.setStatementTimeout(options.bulkTimeout, local: true, d)
            try c.query("SELECT pg_advisory_xact_lock($1::bigint)", [String(Self.appendLockKey)], name: "append_lock", d)
            let head = try c.query("SELECT id, hash FROM consent_events ORDER BY id DESC LIMIT 1", [], name: "chain_head", d)
            let events = head.rowCount == 1
                ? EventChain.chain(pending, afterID: head.int64(0, 0), hash: head.text(0, 1))
                : EventChain.chain(pending, afterID: 0, hash: EventChain.genesisHash)
            let states = ProfileBuilder.finalStates(events)
            if events.count <= Self.copyThreshold {
                for e in events {
                    try c.query("""
                        INSERT INTO consent_events (id, subject, purpose, action, at, source, evidence, prev_hash, hash)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                        """, [String(e.id), e.subject, e.purpose.id, e.action.rawValue, String(e.atMillis), e.source,
                              e.evidence, e.prevHash, e.hash], name: "insert_event", d)
                }
                for (subject, row) in states {
                    try c.query(Self.upsertState("VALUES ($1, $2, $3, $4, $5)"),
                                [subject, row.purpose, row.granted ? "t" : "f", String(row.eventID), String(row.updatedAt)],
                                name: "upsert_state", d)
                }
            } else {
                var next = 0
                try c.copyIn("COPY consent_events (id, subject, purpose, action, at, source, evidence, prev_hash, hash) FROM STDIN", d) { buf in
                    let end = min(events.count, next + Self.copyChunk)
                    for e in events[next..<end] {
                        Self.copyRow([String(e.id), e.subject, e.purpose.id, e.action.rawValue, String(e.atMillis),
                                      e.source, e.evidence, e.prevHash, e.hash], into: &buf)
                    }
                    next = end
                    return next < events.count
                }
                try c.execute("""
                    CREATE TEMP TABLE IF NOT EXISTS pixelgate_state_stage (subject TEXT, purpose TEXT, granted BOOLEAN,
                      event_id BIGINT, updated_at BIGINT) ON COMMIT DELETE ROWS
                    """, d)
                var nextState = 0
                try c.copyIn("COPY pixelgate_state_stage FROM STDIN", d) { buf in
                    let end = min(states.count, nextState + Self.copyChunk)
                    for (subject, row) in states[nextState..<end] {
                        Self.copyRow([subject, row.purpose, row.granted ? "t" : "f", String(row.eventID), String(row.updatedAt)], into: &buf)
                    }
                    nextState = end
                    return nextState < states.count
                }
                try c.execute(Self.upsertState("SELECT subject, purpose, granted, event_id, updated_at FROM pixelgate_state_stage"), d)
            }
            return events
        }
    }

    static func upsertState(_ source: String) -> String {
        """
        INSERT INTO consent_state AS s (subject, purpose, granted, event_id, updated_at) \(source)
        ON CONFLICT (subject, purpose) DO UPDATE SET granted = EXCLUDED.granted, event_id = EXCLUDED.event_id,
          updated_at = EXCLUDED.updated_at
        WHERE EXCLUDED.updated_at >= s.updated_at
        """
    }

    static func copyRow(_ fields: [String], into data: inout [UInt8]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { data.append(9) }
            PGConnection.copyField(f, into: &data)
        }
        data.append(10)
    }

    static let eventColumns = "id, subject, purpose, action, at, source, evidence, prev_hash, hash"

    static func rawRows(_ r: PGResult) -> [RawEventRow] {
        (0..<r.rowCount).map {
            RawEventRow(id: r.int64($0, 0), subject: r.text($0, 1), purpose: r.text($0, 2), action: r.text($0, 3),
                        atMillis: r.int64($0, 4), source: r.text($0, 5), evidence: r.text($0, 6),
                        prevHash: r.text($0, 7), hash: r.text($0, 8))
        }
    }

    public func history(subject address: String) throws -> [ConsentEvent] {
        let subject = try normalizer.normalize(address)
        return try pool.run(timeout: options.timeout, retryOnLost: true) { c, d in
            let r = try c.query("SELECT \(Self.eventColumns) FROM consent_events WHERE subject = $1 ORDER BY at, id", [subject], d)
            return Self.rawRows(r).compactMap(\.event)
        }
    }

    /// Walks the chain page by page (keyset pagination on id); each page is bounded by `timeout`.
    private func walk(since: Int64?, _ visit: (RawEventRow) throws -> Bool) throws {
        var after: Int64 = 0
        while true {
            let rows = try pool.run(timeout: options.timeout, retryOnLost: true) { c, d in
                let r = try c.query("""
                    SELECT \(Self.eventColumns) FROM consent_events WHERE id > $1 AND at >= $2 ORDER BY id LIMIT $3
                    """, [String(after), String(since ?? Int64.min), String(Self.pageSize)], name: "walk_page", d)
                return Self.rawRows(r)
            }
            for row in rows where try !visit(row) { return }
            guard let last = rows.last, rows.count == Self.pageSize else { return }
            after = last.id
        }
    }

    public func export(since: Date?, _ visit: (ConsentEvent) throws -> Void) throws {
        try walk(since: since.map(TimeFormat.millis)) { raw in
            guard let e = raw.event else { throw StoreError.invalidEvent("event \(raw.id) has an invalid purpose or action") }
            try visit(e)
            return true
        }
    }

    public func verify() throws -> ChainVerification {
        var walker = ChainWalker()
        try walk(since: nil) { walker.feed($0) }
        if case .broken = walker.result { return walker.result }
        let orphan = try pool.transaction(timeout: options.bulkTimeout) { c, d in
            try c.setStatementTimeout(options.bulkTimeout, local: true, d)
            return try c.query("""
                SELECT s.event_id FROM consent_state s LEFT JOIN consent_events e ON e.id = s.event_id
                WHERE e.id IS NULL OR e.subject <> s.subject OR e.purpose <> s.purpose LIMIT 1
                """, [], d)
        }
        if orphan.rowCount > 0 {
            return .broken(orphan.int64(0, 0), "the current state refers to an event that is missing or differs")
        }
        return walker.result
    }

    // MARK: deliveries, journal, campaigns

    public func record(_ records: [DeliveryRecord]) throws {
        if records.isEmpty { return }
        try pool.transaction(timeout: options.timeout) { c, d in
            for r in records {
                let x = DeliveryEncoding.columns(r)
                try c.query("""
                    INSERT INTO deliveries (at, message_id, queue_id, recipient, kept, removed, consent_event_ids, footer, upstream_reply)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [String(x.at), x.messageID, x.queueID, x.recipient, x.kept, x.removed, x.eventIDs, x.footer, x.reply],
                            name: "insert_delivery", d)
            }
        }
        if pruneSchedule.isDue() { try prune(now: Date()) }
    }

    public func deliveries(recipient: String, since: Date?) throws -> [DeliveryRecord] {
        let from = since.map(TimeFormat.millis) ?? Int64.min
        return try pool.run(timeout: options.timeout, retryOnLost: true) { c, d in
            let r = try c.query("SELECT \(DeliveryEncoding.selectColumns) FROM deliveries WHERE recipient = $1 AND at >= $2 ORDER BY at, id",
                                [recipient, String(from)], d)
            return (0..<r.rowCount).map {
                DeliveryEncoding.record(at: r.int64($0, 0), messageID: r.string($0, 1), queueID: r.string($0, 2), recipient: r.text($0, 3),
                                        kept: r.text($0, 4), removed: r.text($0, 5), eventIDs: r.text($0, 6), footer: r.text($0, 7),
                                        reply: r.text($0, 8))
            }
        }
    }


    @discardableResult
    public func prune(now: Date) throws -> PruneResult {
        let deliveriesBefore = TimeFormat.millis(now.addingTimeInterval(-options.retention))
        let journalBefore = TimeFormat.millis(now.addingTimeInterval(-options.journalRetention))
        return try pool.run(timeout: options.bulkTimeout) { c, d in
            try c.setStatementTimeout(options.bulkTimeout, local: false, d)
            defer { try? c.setStatementTimeout(options.timeout, local: false, d) }
            let a = try c.query("WITH gone AS (DELETE FROM deliveries WHERE at < $1 RETURNING 1) SELECT COUNT(*) FROM gone",
                                [String(deliveriesBefore)], d)
            let b = try c.query("WITH gone AS (DELETE FROM delivery_journal WHERE at < $1 RETURNING 1) SELECT COUNT(*) FROM gone",
                                [String(journalBefore)], d)
            return PruneResult(deliveries: Int(a.int64(0, 0)), journal: Int(b.int64(0, 0)))
        }
    }

    public func markDelivered(messageKey: String, recipients: [String]) throws {
        if recipients.isEmpty { return }
        let at = String(TimeFormat.millis(Date()))
        try pool.transaction(timeout: options.timeout) { c, d in
            for r in recipients {
                try c.query("INSERT INTO delivery_journal (message_key, recipient, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            [messageKey, r, at], name: "journal_mark", d)
            }
        }
    }

    public func wasDelivered(messageKey: String, recipient: String) throws -> Bool {
        try pool.run(timeout: options.timeout, retryOnLost: true) { c, d in
            try c.query("SELECT 1 FROM delivery_journal WHERE message_key = $1 AND recipient = $2",
                        [messageKey, recipient], name: "journal_check", d).rowCount > 0
        }
    }

    public func register(campaign: String, url: String) throws -> Bool {
        try pool.run(timeout: options.timeout) { c, d in
            let r = try c.query("""
                WITH ins AS (INSERT INTO campaigns (campaign, url, first_seen) VALUES ($1, $2, $3)
                             ON CONFLICT (campaign) DO NOTHING RETURNING url)
                SELECT url FROM ins UNION ALL SELECT url FROM campaigns WHERE campaign = $1 LIMIT 1
                """, [campaign, url, String(TimeFormat.millis(Date()))], name: "campaign_register", d)
            return r.rowCount == 1 && r.text(0, 0) == url
        }
    }

    public func close() { pool.close() }

    /// Raw SQL for tests (tampering, dropping triggers). Not part of the store's API.
    func rawExecute(_ sql: String) throws {
        try pool.run(timeout: 30) { c, d in _ = try c.execute(sql, d) }
    }
}

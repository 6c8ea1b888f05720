// SchemaMigrations: the versioned schema of the consent store, for SQLite and PostgreSQL.
// Contract: migrations are numbered from 1 and only ever appended to this list; a store applies the
// missing ones in order, each in the transaction that records it in `schema_migrations(version,
// applied_at)`, and refuses to open a database whose version is newer than `latest`.
// Tables (both dialects; times are INTEGER milliseconds since the epoch, UTC):
//   consent_events   append-only hash chain (triggers refuse UPDATE and DELETE, and TRUNCATE in PG)
//   consent_state    current state per (subject, purpose), kept in the append transaction
//   deliveries       proof of decisions, pruned after `retention`
//   delivery_journal recipients upstream accepted per message key, pruned after `journal_retention`
//   campaigns        the one URL of each `anonymous_statistics` campaign
enum SchemaMigrations {
    enum Dialect { case sqlite, postgres }

    static var latest: Int { sqlite.count }

    static func steps(_ d: Dialect) -> [[String]] { d == .sqlite ? sqlite : postgres }

    static let sqlite: [[String]] = [
        [
            """
            CREATE TABLE consent_events (
              id INTEGER PRIMARY KEY,
              subject TEXT NOT NULL,
              purpose TEXT NOT NULL,
              action TEXT NOT NULL CHECK (action IN ('grant', 'withdraw')),
              at INTEGER NOT NULL,
              source TEXT NOT NULL,
              evidence TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL UNIQUE)
            """,
            "CREATE INDEX consent_events_subject ON consent_events (subject, purpose, at)",
            "CREATE INDEX consent_events_at ON consent_events (at)",
            "CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
            "CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
            """
            CREATE TABLE consent_state (
              subject TEXT NOT NULL,
              purpose TEXT NOT NULL,
              granted INTEGER NOT NULL,
              event_id INTEGER NOT NULL,
              updated_at INTEGER NOT NULL,
              PRIMARY KEY (subject, purpose)) WITHOUT ROWID
            """,
            """
            CREATE TABLE deliveries (
              id INTEGER PRIMARY KEY,
              at INTEGER NOT NULL,
              message_id TEXT,
              queue_id TEXT,
              recipient TEXT NOT NULL,
              kept TEXT NOT NULL,
              removed TEXT NOT NULL,
              consent_event_ids TEXT NOT NULL,
              footer TEXT NOT NULL,
              upstream_reply TEXT NOT NULL)
            """,
            "CREATE INDEX deliveries_at ON deliveries (at)",
            "CREATE INDEX deliveries_recipient ON deliveries (recipient, at)",
            """
            CREATE TABLE delivery_journal (
              message_key TEXT NOT NULL,
              recipient TEXT NOT NULL,
              at INTEGER NOT NULL,
              PRIMARY KEY (message_key, recipient)) WITHOUT ROWID
            """,
            "CREATE INDEX delivery_journal_at ON delivery_journal (at)",
            "CREATE TABLE campaigns (campaign TEXT PRIMARY KEY, url TEXT NOT NULL, first_seen INTEGER NOT NULL) WITHOUT ROWID",
        ],
    ]

    static let postgres: [[String]] = [
        [
            """
            CREATE TABLE consent_events (
              id BIGINT PRIMARY KEY,
              subject TEXT NOT NULL,
              purpose TEXT NOT NULL,
              action TEXT NOT NULL CHECK (action IN ('grant', 'withdraw')),
              at BIGINT NOT NULL,
              source TEXT NOT NULL,
              evidence TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL UNIQUE)
            """,
            "CREATE INDEX consent_events_subject ON consent_events (subject, purpose, at)",
            "CREATE INDEX consent_events_at ON consent_events (at)",
            """
            CREATE FUNCTION pixelgate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'consent_events is append-only'; END $$
            """,
            "CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events FOR EACH ROW EXECUTE FUNCTION pixelgate_append_only()",
            "CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events FOR EACH STATEMENT EXECUTE FUNCTION pixelgate_append_only()",
            """
            CREATE TABLE consent_state (
              subject TEXT NOT NULL,
              purpose TEXT NOT NULL,
              granted BOOLEAN NOT NULL,
              event_id BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              PRIMARY KEY (subject, purpose))
            """,
            """
            CREATE TABLE deliveries (
              id BIGSERIAL PRIMARY KEY,
              at BIGINT NOT NULL,
              message_id TEXT,
              queue_id TEXT,
              recipient TEXT NOT NULL,
              kept TEXT NOT NULL,
              removed TEXT NOT NULL,
              consent_event_ids TEXT NOT NULL,
              footer TEXT NOT NULL,
              upstream_reply TEXT NOT NULL)
            """,
            "CREATE INDEX deliveries_at ON deliveries (at)",
            "CREATE INDEX deliveries_recipient ON deliveries (recipient, at)",
            """
            CREATE TABLE delivery_journal (
              message_key TEXT NOT NULL,
              recipient TEXT NOT NULL,
              at BIGINT NOT NULL,
              PRIMARY KEY (message_key, recipient))
            """,
            "CREATE INDEX delivery_journal_at ON delivery_journal (at)",
            "CREATE TABLE campaigns (campaign TEXT PRIMARY KEY, url TEXT NOT NULL, first_seen BIGINT NOT NULL)",
        ],
    ]
}

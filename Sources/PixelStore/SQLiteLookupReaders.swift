// SQLiteLookupReaders: the hot path of the SQLite backend — `profile(for:at:)` — on a small pool of
// read-only SQLite connections with persistent prepared statements, driven through the SQLite C
// API that GRDB itself links (module GRDBSQLite, GRDB's public product).
// Why not GRDB's DatabasePool here: each pool read costs a dispatch-queue hop, key-path and
// generic-metadata work, and an extra `PRAGMA schema_version` statement; on this 2-core machine
// that capped lookups near 20k/s, against a goal of 100k/s. Everything else (writes, history,
// export, verify, journal) stays on GRDB's DatabasePool.
// Contract: at most `size` connections (opened lazily, SQLITE_OPEN_READONLY, busy timeout =
// store timeout, memory-mapped reads); a caller waits for a free one no longer than the timeout;
// every SQLite failure is `StoreError.unavailable`. One lookup = one statement = one indexed read
// of consent_state (plus, only for an instant older than the last change, one read of the history).
// The delivery journal's read (`wasDelivered`, once per recipient of every relayed message) runs
// here too, for the same reason; its writes stay on GRDB.
import Foundation
import GRDBSQLite
import PixelPolicy

final class SQLiteLookupReaders: @unchecked Sendable {
    let path: String
    let size: Int
    let timeout: Double
    let mmapSize: Int
    private let pool: ResourcePool<Reader>

    init(path: String, size: Int, timeout: Double, mmapSize: Int) {
        self.path = path
        self.size = max(1, size)
        self.timeout = timeout
        self.mmapSize = mmapSize
        self.pool = ResourcePool(size: size, closedMessage: "SQLite store is closed")
    }

    final class Reader {
        let db: OpaquePointer
        private var state: OpaquePointer?
        private var past: OpaquePointer?
        private var journal: OpaquePointer?

        init(path: String, busyMillis: Int32, mmapSize: Int) throws {
            var handle: OpaquePointer?
            let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
            guard rc == SQLITE_OK, let h = handle else {
                let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
                if let handle { sqlite3_close_v2(handle) }
                throw StoreError.unavailable("SQLite: \(path): \(msg)")
            }
            db = h
            sqlite3_busy_timeout(h, busyMillis)
            sqlite3_exec(h, "PRAGMA mmap_size = \(mmapSize)", nil, nil, nil)
            state = try prepare("SELECT purpose, granted, event_id, updated_at FROM consent_state WHERE subject = ?1")
            past = try prepare("SELECT action, id FROM consent_events WHERE subject = ?1 AND purpose = ?2 AND at <= ?3 ORDER BY at DESC, id DESC LIMIT 1")
            journal = try prepare("SELECT 1 FROM delivery_journal WHERE message_key = ?1 AND recipient = ?2")
        }

        deinit {
            sqlite3_finalize(state)
            sqlite3_finalize(past)
            sqlite3_finalize(journal)
            sqlite3_close_v2(db)
        }

        private func prepare(_ sql: String) throws -> OpaquePointer? {
            var stmt: OpaquePointer?
            let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
            guard rc == SQLITE_OK else { throw failure(rc) }
            return stmt
        }

        func failure(_ rc: Int32) -> StoreError {
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { return .unavailable("SQLite database is locked (busy timeout reached)") }
            return .unavailable("SQLite: \(String(cString: sqlite3_errmsg(db)))")
        }

        static func text(_ stmt: OpaquePointer?, _ col: Int32) -> String {
            guard let p = sqlite3_column_text(stmt, col) else { return "" }
            return String(cString: p)
        }

        /// The purpose in column `col`, read from its bytes without building a String.
        static func purpose(_ stmt: OpaquePointer?, _ col: Int32) -> Purpose? {
            guard let p = sqlite3_column_text(stmt, col) else { return nil }
            let n = Int(sqlite3_column_bytes(stmt, col))
            let bytes = UnsafeBufferPointer(start: p, count: n)
            for candidate in purposeBytes where candidate.1.count == n && candidate.1.elementsEqual(bytes) { return candidate.0 }
            return nil
        }

        static let purposeBytes: [(Purpose, [UInt8])] = Purpose.allCases.map { ($0, Array($0.id.utf8)) }

        func lookup(subject: String, atMillis: Int64) throws -> ConsentProfile {
            // Common case: every row of the current state is at or before the instant asked.
            var granted = Set<Purpose>()
            var ids: [Int64] = []
            var expressed = false
            var needsHistory = false
            let rc: Int32 = subject.withCString { s in
                defer { sqlite3_reset(state); sqlite3_clear_bindings(state) }
                sqlite3_bind_text(state, 1, s, -1, nil)
                while true {
                    let r = sqlite3_step(state)
                    if r != SQLITE_ROW { return r }
                    if sqlite3_column_int64(state, 3) > atMillis { needsHistory = true; continue }
                    expressed = true
                    if sqlite3_column_int64(state, 1) != 0, let p = Self.purpose(state, 0), !p.isExempt {
                        granted.insert(p)
                        ids.append(sqlite3_column_int64(state, 2))
                    }
                }
            }
            guard rc == SQLITE_DONE else { throw failure(rc) }
            if needsHistory { return try slowLookup(subject: subject, atMillis: atMillis) }
            ids.sort()
            return ConsentProfile(granted: granted, eventIDs: ids, hasExpressedChoice: expressed)
        }

        /// Some purpose changed after the instant asked: the general rule (ProfileBuilder).
        private func slowLookup(subject: String, atMillis: Int64) throws -> ConsentProfile {
            var rows: [StateRow] = []
            let rc: Int32 = subject.withCString { s in
                defer { sqlite3_reset(state); sqlite3_clear_bindings(state) }
                sqlite3_bind_text(state, 1, s, -1, nil)
                while true {
                    let r = sqlite3_step(state)
                    if r != SQLITE_ROW { return r }
                    rows.append(StateRow(purpose: Self.text(state, 0), granted: sqlite3_column_int64(state, 1) != 0,
                                         eventID: sqlite3_column_int64(state, 2), updatedAt: sqlite3_column_int64(state, 3)))
                }
            }
            guard rc == SQLITE_DONE else { throw failure(rc) }
            return try ProfileBuilder.build(rows: rows, atMillis: atMillis) { purpose, at in
                try pastEvent(subject: subject, purpose: purpose, atMillis: at)
            }
        }

        private func pastEvent(subject: String, purpose: String, atMillis: Int64) throws -> (Bool, Int64)? {
            var found: (Bool, Int64)?
            let rc: Int32 = subject.withCString { s in
                purpose.withCString { p in
                    defer { sqlite3_reset(past); sqlite3_clear_bindings(past) }
                    sqlite3_bind_text(past, 1, s, -1, nil)
                    sqlite3_bind_text(past, 2, p, -1, nil)
                    sqlite3_bind_int64(past, 3, atMillis)
                    let r = sqlite3_step(past)
                    if r == SQLITE_ROW {
                        found = (Self.text(past, 0) == ConsentAction.grant.rawValue, sqlite3_column_int64(past, 1))
                        return SQLITE_DONE
                    }
                    return r
                }
            }
            guard rc == SQLITE_DONE else { throw failure(rc) }
            return found
        }

        /// True when the journal holds (messageKey, recipient).
        func journalHas(messageKey: String, recipient: String) throws -> Bool {
            let rc: Int32 = messageKey.withCString { k in
                recipient.withCString { r in
                    defer { sqlite3_reset(journal); sqlite3_clear_bindings(journal) }
                    sqlite3_bind_text(journal, 1, k, -1, nil)
                    sqlite3_bind_text(journal, 2, r, -1, nil)
                    return sqlite3_step(journal)
                }
            }
            switch rc {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw failure(rc)
            }
        }
    }

    private func acquire() throws -> Reader {
        try pool.acquire(until: Date().addingTimeInterval(timeout), busy: { "SQLite: all \(size) readers busy for \(timeout)s" }) {
            try Reader(path: path, busyMillis: Int32(min(timeout * 1000, Double(Int32.max))), mmapSize: mmapSize)
        }.resource
    }

    func profile(subject: String, atMillis: Int64) throws -> ConsentProfile {
        let r = try acquire()
        defer { pool.release(r) }
        return try r.lookup(subject: subject, atMillis: atMillis)
    }

    func wasDelivered(messageKey: String, recipient: String) throws -> Bool {
        let r = try acquire()
        defer { pool.release(r) }
        return try r.journalHas(messageKey: messageKey, recipient: recipient)
    }

    func close() {
        pool.close()
    }
}

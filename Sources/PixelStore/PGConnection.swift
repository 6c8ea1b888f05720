// PGConnection: one libpq connection driven in non-blocking mode under a deadline.
// Contract:
// - Connecting (PQconnectStartParams + PQconnectPoll) and every query (PQsend* + poll +
//   PQconsumeInput) are bounded by the caller's Deadline; on expiry the connection is marked
//   broken (the pool closes it, the server's statement_timeout ends the query) and
//   `StoreError.unavailable` is thrown. Nothing here blocks without a bound, except the host
//   name resolution libpq does inside PQconnectStartParams (use an IP or a socket to avoid it).
// - Parameters are always bound (PQsendQueryParams / PQsendQueryPrepared), never spliced into SQL;
//   a value with a NUL byte is refused (PostgreSQL text cannot hold it).
// - The user's conninfo or URI is expanded by libpq (`expand_dbname`), so `sslmode`, `host`,
//   `password`... come from it; our `connect_timeout` and `application_name` are defaults it may
//   override. `statement_timeout` is set per session after connecting.
// - A server error leaves the connection usable (`broken` false); a lost connection sets `broken`.
import CLibPQ
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A monotonic deadline.
struct Deadline {
    let end: UInt64
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        end = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, seconds) * 1e9)
    }

    var remaining: Double {
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= end ? 0 : Double(end - now) / 1e9
    }

    var date: Date { Date().addingTimeInterval(remaining) }
}

/// A query result; freed with the object.
final class PGResult {
    let res: OpaquePointer
    init(_ res: OpaquePointer) { self.res = res }
    deinit { PQclear(res) }

    var rowCount: Int { Int(PQntuples(res)) }
    var status: ExecStatusType { PQresultStatus(res) }

    func string(_ row: Int, _ col: Int) -> String? {
        if PQgetisnull(res, Int32(row), Int32(col)) != 0 { return nil }
        return String(cString: PQgetvalue(res, Int32(row), Int32(col)))
    }

    func text(_ row: Int, _ col: Int) -> String { string(row, col) ?? "" }
    func int64(_ row: Int, _ col: Int) -> Int64 { Int64(text(row, col)) ?? 0 }
    func bool(_ row: Int, _ col: Int) -> Bool { text(row, col) == "t" }

    var errorMessage: String {
        String(cString: PQresultErrorMessage(res)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var sqlState: String? {
        guard let p = PQresultErrorField(res, Int32(UInt8(ascii: "C"))) else { return nil }
        return String(cString: p)
    }
}

final class PGConnection {
    private let conn: OpaquePointer
    private(set) var broken = false
    private var prepared: Set<String> = []

    init(conninfo: String, deadline: Deadline, statementTimeoutMillis: Int) throws {
        let keys = ["connect_timeout", "application_name", "client_encoding", "dbname"]
        let values = [String(max(2, Int(deadline.seconds.rounded(.up)))), "pixelgate", "UTF8", conninfo]
        let started = Self.withCStrings(keys) { k in Self.withCStrings(values) { v in PQconnectStartParams(k, v, 1) } }
        guard let c = started else { throw StoreError.unavailable("PostgreSQL: cannot allocate a connection") }
        conn = c
        // From here on a throw runs deinit, which calls PQfinish: never call it here too.
        if PQstatus(c) == CONNECTION_BAD {
            let msg = Self.message(c)
            throw StoreError.unavailable("PostgreSQL: \(msg)")
        }
        var st = PGRES_POLLING_WRITING
        while st != PGRES_POLLING_OK {
            if st == PGRES_POLLING_FAILED {
                let msg = Self.message(c)
                throw StoreError.unavailable("PostgreSQL: \(msg)")
            }
            do {
                _ = try Self.waitSocket(PQsocket(c), write: st == PGRES_POLLING_WRITING, read: st == PGRES_POLLING_READING, deadline)
            } catch {
                let why = deadline.remaining <= 0 ? "connect timed out after \(deadline.seconds)s" : Self.message(c)
                throw StoreError.unavailable("PostgreSQL: \(why)")
            }
            st = PQconnectPoll(c)
        }
        if PQsetnonblocking(c, 1) != 0 {
            let msg = Self.message(c)
            throw StoreError.unavailable("PostgreSQL: \(msg)")
        }
        try query("SELECT set_config('statement_timeout', $1, false), set_config('client_min_messages', 'warning', false)",
                  [String(max(1, statementTimeoutMillis))], deadline)
    }

    deinit { PQfinish(conn) }

    var isHealthy: Bool { !broken && PQstatus(conn) == CONNECTION_OK }

    static func message(_ c: OpaquePointer) -> String {
        String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n\t", with: " ").replacingOccurrences(of: "\n", with: "; ")
    }

    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let dup = strings.map { strdup($0) }
        defer { dup.forEach { free($0) } }
        var ptrs: [UnsafePointer<CChar>?] = dup.map { UnsafePointer($0) }
        ptrs.append(nil)
        return body(ptrs)
    }

    /// Waits until the socket is ready; returns true when readable.
    @discardableResult
    static func waitSocket(_ fd: Int32, write: Bool, read: Bool, _ deadline: Deadline) throws -> Bool {
        guard fd >= 0 else { throw StoreError.unavailable("PostgreSQL: no socket") }
        while true {
            let remaining = deadline.remaining
            if remaining <= 0 { throw StoreError.unavailable("PostgreSQL: timed out after \(deadline.seconds)s") }
            var events: Int16 = 0
            if write { events |= Int16(POLLOUT) }
            if read || !write { events |= Int16(POLLIN) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min(remaining * 1000 + 1, 3_600_000))
            let r = poll(&p, 1, ms)
            if r > 0 { return p.revents & Int16(POLLIN) != 0 || p.revents & Int16(POLLHUP | POLLERR) != 0 }
            if r < 0 && errno != EINTR { throw StoreError.unavailable("PostgreSQL: poll failed (errno \(errno))") }
        }
    }

    private func lost(_ what: String) -> StoreError {
        broken = true
        return .unavailable("PostgreSQL: \(what)")
    }

    private func flush(_ deadline: Deadline) throws {
        while true {
            let r = PQflush(conn)
            if r == 0 { return }
            if r < 0 { throw lost(Self.message(conn)) }
            do {
                if try Self.waitSocket(PQsocket(conn), write: true, read: true, deadline) {
                    if PQconsumeInput(conn) == 0 { throw lost(Self.message(conn)) }
                }
            } catch let e as StoreError {
                broken = true
                throw e
            }
        }
    }

    /// Reads every result of the command just sent; stops early at COPY IN.
    private func collect(_ deadline: Deadline) throws -> PGResult? {
        try flush(deadline)
        var last: PGResult?
        var failure: PGResult?
        while true {
            while PQisBusy(conn) != 0 {
                do {
                    try Self.waitSocket(PQsocket(conn), write: false, read: true, deadline)
                } catch let e as StoreError {
                    broken = true
                    throw e
                }
                if PQconsumeInput(conn) == 0 { throw lost(Self.message(conn)) }
            }
            guard let r = PQgetResult(conn) else { break }
            let res = PGResult(r)
            let st = res.status
            if st == PGRES_COPY_IN { return res }
            if st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE { if failure == nil { failure = res } }
            last = res
        }
        if PQstatus(conn) == CONNECTION_BAD { broken = true }
        if let failure {
            if failure.sqlState == "57014" { throw StoreError.unavailable("PostgreSQL: statement timed out (\(failure.errorMessage))") }
            throw StoreError.unavailable("PostgreSQL: \(failure.errorMessage)")
        }
        return last
    }

    private func checkParams(_ params: [String?]) throws {
        for p in params where p?.utf8.contains(0) == true {
            throw StoreError.invalidEvent("a value contains a NUL byte")
        }
    }

    /// Runs SQL without parameters (several statements allowed).
    @discardableResult
    func execute(_ sql: String, _ deadline: Deadline) throws -> PGResult? {
        if PQsendQuery(conn, sql) == 0 { throw lost(Self.message(conn)) }
        return try collect(deadline)
    }

    /// Runs one statement with bound text parameters; `name` prepares it once per connection.
    @discardableResult
    func query(_ sql: String, _ params: [String?], name: String? = nil, _ deadline: Deadline) throws -> PGResult {
        try checkParams(params)
        if let name, !prepared.contains(name) {
            if PQsendPrepare(conn, name, sql, Int32(params.count), nil) == 0 { throw lost(Self.message(conn)) }
            _ = try collect(deadline)
            prepared.insert(name)
        }
        let owned = params.map { $0.map { strdup($0) } ?? nil }
        defer { owned.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = owned.map { UnsafePointer($0) }
        let sent = values.withUnsafeBufferPointer { buf -> Int32 in
            if let name {
                return PQsendQueryPrepared(conn, name, Int32(params.count), buf.baseAddress, nil, nil, 0)
            }
            return PQsendQueryParams(conn, sql, Int32(params.count), nil, buf.baseAddress, nil, nil, 0)
        }
        if sent == 0 { throw lost(Self.message(conn)) }
        guard let r = try collect(deadline) else { throw StoreError.unavailable("PostgreSQL: no result") }
        return r
    }

    /// COPY ... FROM STDIN in COPY text format. `produce` appends the next rows to the (emptied)
    /// buffer and returns false once it has nothing more, so a large COPY never sits in memory whole.
    func copyIn(_ sql: String, _ deadline: Deadline, produce: (inout [UInt8]) -> Bool) throws {
        if PQsendQuery(conn, sql) == 0 { throw lost(Self.message(conn)) }
        guard let r = try collect(deadline), r.status == PGRES_COPY_IN else {
            throw StoreError.unavailable("PostgreSQL: COPY did not start")
        }
        var buffer: [UInt8] = []
        var more = true
        while more {
            buffer.removeAll(keepingCapacity: true)
            more = produce(&buffer)
            try send(buffer, deadline)
        }
        while true {
            let rc = PQputCopyEnd(conn, nil)
            if rc < 0 { throw lost(Self.message(conn)) }
            if rc == 1 { break }
            try flush(deadline)
        }
        _ = try collect(deadline)
    }

    private func send(_ data: [UInt8], _ deadline: Deadline) throws {
        let chunk = 1 << 16
        var offset = 0
        try data.withUnsafeBufferPointer { buf in
            while offset < buf.count {
                let n = min(chunk, buf.count - offset)
                let rc = UnsafeRawPointer(buf.baseAddress! + offset).withMemoryRebound(to: CChar.self, capacity: n) {
                    PQputCopyData(conn, $0, Int32(n))
                }
                if rc < 0 { throw lost(Self.message(conn)) }
                if rc == 0 { try flush(deadline); continue }
                offset += n
            }
        }
    }

    /// COPY text-format field: backslash escapes, `\N` for NULL.
    static func copyField(_ s: String?, into out: inout [UInt8]) {
        guard let s else { out += [92, 78]; return }
        for b in s.utf8 {
            switch b {
            case 92: out += [92, 92]
            case 9: out += [92, 116]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            default: out.append(b)
            }
        }
    }

    func markBroken() { broken = true }

    /// `SET [LOCAL] statement_timeout`, with the value bound (set_config) like every other value.
    func setStatementTimeout(_ seconds: Double, local: Bool, _ deadline: Deadline) throws {
        try query("SELECT set_config('statement_timeout', $1, $2)", [String(max(1, Int(seconds * 1000))), local ? "t" : "f"],
                  name: "set_statement_timeout", deadline)
    }
}

// StoreTestSupport: backends for the conformance suite. SQLite gets a fresh temporary file; PostgreSQL
// gets a fresh database on the server named by PIXELGATE_TEST_PG (see scripts/pg-test-cluster.sh).
// When PIXELGATE_TEST_PG_REQUIRED=1 and the variable is missing, PostgreSQL cases FAIL, not skip.
import Foundation
import Testing
@testable import PixelStore

enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var pgConninfo: String? {
        let v = ProcessInfo.processInfo.environment["PIXELGATE_TEST_PG"] ?? ""
        return v.isEmpty ? nil : v
    }

    static var pgRequired: Bool { ProcessInfo.processInfo.environment["PIXELGATE_TEST_PG_REQUIRED"] == "1" }

    /// SQLite always; PostgreSQL when configured or required (then a missing server fails the test).
    static var all: [Backend] { pgConninfo != nil || pgRequired ? [.sqlite, .postgres] : [.sqlite] }
}

struct MissingPostgres: Error, CustomStringConvertible {
    var description: String { "PIXELGATE_TEST_PG is not set but PIXELGATE_TEST_PG_REQUIRED=1 (run scripts/pg-test-cluster.sh start)" }
}

/// A fresh, empty store location for one test; `open` may be called several times (several
/// instances on the same data); `cleanup` removes it.
final class StoreFixture: @unchecked Sendable {
    let backend: Backend
    let dir: String
    private(set) var conninfo: String = ""
    private var dbName: String = ""
    private var opened: [any ConsentStore] = []

    init(_ backend: Backend) throws {
        self.backend = backend
        dir = NSTemporaryDirectory() + "pixelgate-store-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if backend == .postgres {
            guard let admin = Backend.pgConninfo else { throw MissingPostgres() }
            dbName = "pgtest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            try Self.admin(admin, "CREATE DATABASE \(dbName)")
            conninfo = admin + " dbname=\(dbName)"
        }
    }

    static func admin(_ conninfo: String, _ sql: String) throws {
        let c = try PGConnection(conninfo: conninfo, deadline: Deadline(seconds: 30), statementTimeoutMillis: 60_000)
        try c.execute(sql, Deadline(seconds: 60))
    }

    func options(_ tweak: (inout StoreOptions) -> Void = { _ in }) -> StoreOptions {
        var o = StoreOptions()
        o.timeout = 5
        o.bulkTimeout = 120
        tweak(&o)
        return o
    }

    var sqlitePath: String { dir + "/consent.sqlite" }

    func open(_ tweak: (inout StoreOptions) -> Void = { _ in }) throws -> any ConsentStore {
        let s: any ConsentStore
        switch backend {
        case .sqlite: s = try SQLiteConsentStore(path: sqlitePath, options: options(tweak))
        case .postgres: s = try PostgresConsentStore(conninfo: conninfo, options: options(tweak))
        }
        opened.append(s)
        return s
    }

    /// Raw SQL on the backing database, bypassing the store (tampering).
    func raw(_ sql: String) throws {
        switch backend {
        case .sqlite:
            let s = try SQLiteConsentStore(path: sqlitePath, options: options())
            defer { s.close() }
            try s.rawExecute(sql)
        case .postgres:
            try Self.admin(conninfo, sql)
        }
    }

    func cleanup() {
        for s in opened { s.close() }
        opened.removeAll()
        try? FileManager.default.removeItem(atPath: dir)
        if backend == .postgres, let admin = Backend.pgConninfo {
            try? Self.admin(admin, "DROP DATABASE IF EXISTS \(dbName) WITH (FORCE)")
        }
    }
}

func grant(_ address: String, _ purpose: String, at: Date? = nil, source: String = "test",
           evidence: String = #"{"text":"I accept open measurement","form":"signup-v3"}"#) -> ConsentEventInput {
    ConsentEventInput(address: address, purpose: purpose, action: .grant, at: at, source: source, evidence: evidence)
}

func withdraw(_ address: String, _ purpose: String, at: Date? = nil) -> ConsentEventInput {
    ConsentEventInput(address: address, purpose: purpose, action: .withdraw, at: at, source: "test", evidence: #"{"via":"footer link"}"#)
}

func date(_ iso: String) -> Date { TimeFormat.parse(iso)! }

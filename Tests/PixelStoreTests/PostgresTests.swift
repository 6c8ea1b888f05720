// PostgresTests: what only the shared backend has to prove: a lookup never hangs past its timeout
// (server gone, server silent), reconnect after the server dropped connections, and two
// processes appending concurrently keep one chain.
import Foundation
import Testing
import PixelPolicy
@testable import PixelStore
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Backend.pgConninfo != nil || Backend.pgRequired)) struct PostgresTests {
    func elapsed(_ body: () throws -> Void) -> (Double, (any Error)?) {
        let t0 = Date()
        do { try body(); return (Date().timeIntervalSince(t0), nil) } catch { return (Date().timeIntervalSince(t0), error) }
    }

    func isUnavailable(_ e: (any Error)?) -> Bool {
        if case .unavailable? = e as? StoreError { return true }
        return false
    }

    @Test func droppedConnectionsReconnectAndRefusedOnesFailFast() throws {
        let f = try StoreFixture(.postgres); defer { f.cleanup() }
        let s = try f.open { $0.timeout = 1; $0.poolSize = 2 }
        try s.record(events: [grant("r@example.org", "open_measurement")])
        #expect(try s.profile(for: "r@example.org", at: Date()).granted == [.openMeasurement])
        let db = f.conninfo.split(separator: "=").last.map(String.init)!
        let admin = Backend.pgConninfo!
        // The server kills every session of this database (as on a restart): the next lookup reconnects.
        try StoreFixture.admin(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()")
        #expect(try s.profile(for: "r@example.org", at: Date()).granted == [.openMeasurement])
        // The database stops taking connections (server going down): lookups fail fast and clearly.
        try StoreFixture.admin(admin, "ALTER DATABASE \(db) WITH ALLOW_CONNECTIONS false")
        try StoreFixture.admin(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()")
        for _ in 0..<3 {
            let (t, e) = elapsed { _ = try s.profile(for: "r@example.org", at: Date()) }
            #expect(isUnavailable(e), "\(String(describing: e))")
            #expect(t < 1 + 1, "took \(t)s")
        }
        let (tw, ew) = elapsed { try s.record(events: [grant("r@example.org", "personalization")]) }
        #expect(isUnavailable(ew))
        #expect(tw < 1 + 1, "took \(tw)s")
        // Back up: the store recovers by itself.
        try StoreFixture.admin(admin, "ALTER DATABASE \(db) WITH ALLOW_CONNECTIONS true")
        #expect(try s.profile(for: "r@example.org", at: Date()).granted == [.openMeasurement])
    }

    @Test func aBlockedLookupIsCutAtTheTimeout() throws {
        let f = try StoreFixture(.postgres); defer { f.cleanup() }
        let s = try f.open { $0.timeout = 1 }
        try s.record(events: [grant("lock@example.org", "open_measurement")])
        // Another session holds an exclusive lock: the server is up but the read cannot proceed.
        let locker = try PGConnection(conninfo: f.conninfo, deadline: Deadline(seconds: 10), statementTimeoutMillis: 60_000)
        try locker.execute("BEGIN; LOCK TABLE consent_state IN ACCESS EXCLUSIVE MODE", Deadline(seconds: 10))
        let (t, e) = elapsed { _ = try s.profile(for: "lock@example.org", at: Date()) }
        #expect(isUnavailable(e), "\(String(describing: e))")
        #expect(t < 1 + 1, "took \(t)s")
        try locker.execute("ROLLBACK", Deadline(seconds: 10))
        #expect(try s.profile(for: "lock@example.org", at: Date()).granted == [.openMeasurement])
    }

    @Test func aSilentServerNeverHangsALookup() throws {
        // A TCP listener that completes the handshake and never answers (a hung server or network).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        #expect(listen(fd, 16) == 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = UInt16(bigEndian: addr.sin_port)
        var opts = StoreOptions()
        opts.timeout = 1
        let (t, e) = elapsed { _ = try PostgresConsentStore(conninfo: "host=127.0.0.1 port=\(port) user=postgres dbname=postgres", options: opts) }
        #expect(isUnavailable(e), "\(String(describing: e))")
        #expect(t < 1 + 1, "took \(t)s")
        // And a server that is not there at all.
        let (t2, e2) = elapsed { _ = try PostgresConsentStore(conninfo: "host=/nonexistent/socket/dir port=5999 user=postgres", options: opts) }
        #expect(isUnavailable(e2))
        #expect(t2 < 1 + 1)
    }

    /// The `pixelgate` executable built beside this test bundle.
    static var pixelgateBinary: String? {
        let dir = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        for candidate in [dir + "/pixelgate", dir + "/../pixelgate", dir + "/../../pixelgate"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    @Test func twoProcessesAppendingConcurrentlyKeepOneChain() throws {
        let f = try StoreFixture(.postgres); defer { f.cleanup() }
        let s = try f.open()   // creates the schema once
        guard let bin = Self.pixelgateBinary else {
            Issue.record("the pixelgate executable is not built beside the tests (swift build first)")
            return
        }
        let config = f.dir + "/pg.toml"
        let url = f.conninfo.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try "[store]\nbackend = \"postgres\"\nurl = \"\(url)\"\ntimeout = \"5s\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        // Each process imports 500 events one transaction at a time would be slow to spawn; instead each
        // process runs `consent import` on 500 lines while the other does the same, twice over, so the
        // two appenders interleave at transaction granularity.
        var files: [String] = []
        for p in 0..<2 {
            for part in 0..<2 {
                var csv = "address,purpose,action,at,source,evidence\n"
                for i in 0..<250 {
                    csv += "proc\(p)-\(i % 40)@example.org,\(Purpose.consentable[i % 5].id),\(i % 3 == 0 ? "withdraw" : "grant"),2026-06-01T10:00:00.\(String(format: "%03d", i))Z,proc\(p),\"{\"\"part\"\":\(part)}\"\n"
                }
                let file = f.dir + "/p\(p)-\(part).csv"
                try csv.write(toFile: file, atomically: true, encoding: .utf8)
                files.append(file)
            }
        }
        let errors = ErrorBox()
        let group = DispatchGroup()
        let allFiles = files
        for p in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for part in 0..<2 {
                    let proc = Process()
                    proc.executableURL = URL(fileURLWithPath: bin)
                    proc.arguments = ["consent", "import", "--config", config, "--state-dir", f.dir, allFiles[p * 2 + part]]
                    let err = Pipe()
                    proc.standardError = err
                    proc.standardOutput = FileHandle.nullDevice
                    do {
                        try proc.run()
                        proc.waitUntilExit()
                        if proc.terminationStatus != 0 {
                            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                            errors.add(CLIFailure(text: "exit \(proc.terminationStatus): \(text)"))
                        }
                    } catch { errors.add(error) }
                }
            }
        }
        group.wait()
        #expect(errors.all.isEmpty, "\(errors.all)")
        #expect(try s.verify() == .ok(1000))
        #expect(try s.export(since: nil).count == 1000)
    }
}

struct CLIFailure: Error, CustomStringConvertible { let text: String; var description: String { text } }

// HTTPLookupTests: the read-only HTTP backend against a tiny local HTTP server: answers, 404,
// errors, a silent server (bounded by the timeout), the cache TTL, and read-only refusals.
import Foundation
import Testing
import PixelPolicy
@testable import PixelStore
#if canImport(Glibc)
import Glibc
#endif

/// One-request-per-connection HTTP/1.1 server on 127.0.0.1; `handler(path)` -> (status, body, delay).
final class TinyHTTPServer: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let lock = NSLock()
    private var paths: [String] = []
    let handler: @Sendable (String) -> (Int, String, Double)

    init(_ handler: @escaping @Sendable (String) -> (Int, String, Double)) {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 64)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread { [self] in self.loop() }
    }

    var requests: [String] { lock.lock(); defer { lock.unlock() }; return paths }

    private func loop() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            Thread.detachNewThread { [self] in self.serve(c) }
        }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 8192)
        var got: [UInt8] = []
        while !got.starts(with: []) || !String(decoding: got, as: UTF8.self).contains("\r\n\r\n") {
            let n = read(c, &buf, buf.count)
            if n <= 0 { return }
            got += buf[0..<n]
        }
        let line = String(decoding: got, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        lock.lock(); paths.append(path); lock.unlock()
        let (status, body, delay) = handler(path)
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        let resp = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = resp.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

@Suite struct HTTPLookupTests {
    /// The store and a cleanup that closes it and removes its local SQLite directory.
    func store(_ server: TinyHTTPServer, ttl: Double = 0, timeout: Double = 1, path: String = "/consent") throws -> (HTTPConsentStore, () -> Void) {
        var o = StoreOptions()
        o.timeout = timeout
        o.cacheTTL = ttl
        let dir = NSTemporaryDirectory() + "pixelgate-http-" + UUID().uuidString
        let s = try HTTPConsentStore(url: "http://127.0.0.1:\(server.port)\(path)", localPath: dir + "/pixelgate-local.sqlite", options: o)
        return (s, { s.close(); try? FileManager.default.removeItem(atPath: dir) })
    }

    static func route(_ path: String) -> (Int, String, Double) {
        if path.contains("address=ann%40example.org") { return (200, #"{"purposes":["open_measurement","authentication_security","bogus"]}"#, 0) }
        if path.contains("address=refuser%40example.org") { return (200, #"{"purposes":[],"expressed":true}"#, 0) }
        if path.contains("address=unknown%40example.org") { return (404, "{}", 0) }
        if path.contains("address=broken%40example.org") { return (200, "{\"purp", 0) }
        if path.contains("address=slow%40example.org") { return (200, #"{"purposes":[]}"#, 5) }
        if path.contains("address=x%2By%40example.org") { return (200, #"{"purposes":["personalization"]}"#, 0) }
        return (503, "down", 0)
    }

    @Test func answersAreParsedAndBadAnswersAreUnavailable() throws {
        let server = TinyHTTPServer(Self.route); defer { server.stop() }
        let (s, cleanup) = try store(server)
        defer { cleanup() }
        let ann = try s.profile(for: "Ann@EXAMPLE.org", at: Date())
        #expect(ann.granted == [.openMeasurement])
        #expect(ann.hasExpressedChoice)
        let refuser = try s.profile(for: "refuser@example.org", at: Date())
        #expect(refuser.granted.isEmpty && refuser.hasExpressedChoice)
        #expect(try s.profile(for: "unknown@example.org", at: Date()) == .none)
        #expect(try s.profile(for: "x+y@example.org", at: Date()).granted == [.personalization], "+ is percent-encoded")
        for bad in ["broken@example.org", "other@example.org"] {
            #expect { _ = try s.profile(for: bad, at: Date()) } throws: { e in
                if case .unavailable = e as? StoreError { return true }
                return false
            }
        }
        #expect(server.requests.allSatisfy { $0.hasPrefix("/consent?address=") })
    }

    @Test func aSilentPlatformIsBoundedByTheTimeout() throws {
        let server = TinyHTTPServer(Self.route); defer { server.stop() }
        let (s, cleanup) = try store(server, timeout: 1)
        defer { cleanup() }
        let t0 = Date()
        #expect(throws: StoreError.self) { _ = try s.profile(for: "slow@example.org", at: Date()) }
        #expect(Date().timeIntervalSince(t0) < 1 + 1)
    }

    @Test func theCacheHoldsForItsTTLOnly() throws {
        let server = TinyHTTPServer(Self.route); defer { server.stop() }
        let (s, cleanup) = try store(server, ttl: 2)
        defer { cleanup() }
        for _ in 0..<5 { _ = try s.profile(for: "ann@example.org", at: Date()) }
        #expect(server.requests.count == 1, "\(server.requests)")
        Thread.sleep(forTimeInterval: 2.3)
        _ = try s.profile(for: "ann@example.org", at: Date())
        #expect(server.requests.count == 2)
    }

    @Test func writesAreRefusedButTheLocalPartsWork() throws {
        let server = TinyHTTPServer(Self.route); defer { server.stop() }
        let (s, cleanup) = try store(server)
        defer { cleanup() }
        #expect { try s.record(events: [grant("a@example.org", "open_measurement")]) } throws: { e in
            guard case .readOnly(let why) = e as? StoreError else { return false }
            return why.contains("127.0.0.1")
        }
        #expect(throws: StoreError.self) { _ = try s.verify() }
        #expect(throws: StoreError.self) { _ = try s.history(subject: "a@example.org") }
        try s.markDelivered(messageKey: "k", recipients: ["a@example.org"])
        #expect(try s.wasDelivered(messageKey: "k", recipient: "a@example.org"))
        #expect(try s.register(campaign: "c", url: "u"))
        #expect(try s.register(campaign: "c", url: "v") == false)
    }
}

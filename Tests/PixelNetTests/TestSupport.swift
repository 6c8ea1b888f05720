// Helpers for PixelNet tests: a self-signed certificate made with the openssl CLI, SIGPIPE off.
import Foundation
import PixelNet

enum NetTestSupport {
    /// Ignores SIGPIPE once (the test process has no `main` doing it).
    static let ignoreSigpipe: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Makes a key and a self-signed certificate for `cn` (with subjectAltName) in a temp dir.
    static func selfSigned(cn: String = "localhost") throws -> (cert: String, key: String, dir: String) {
        let dir = NSTemporaryDirectory() + "pixelnet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                       "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                       "-subj", "/CN=\(cn)", "-addext", "subjectAltName=DNS:\(cn)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NetError.config("openssl req failed") }
        return (dir + "/cert.pem", dir + "/key.pem", dir)
    }
}

/// Runs `body` on a background thread and lets the caller wait for its result.
final class Background<T: Sendable>: @unchecked Sendable {
    private let sem = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    init(_ body: @escaping @Sendable () throws -> T) {
        Thread { [self] in
            do { self.result = .success(try body()) } catch { self.result = .failure(error) }
            self.sem.signal()
        }.start()
    }

    func wait(seconds: Double = 10) throws -> T {
        guard sem.wait(timeout: .now() + seconds) == .success else { throw NetError.timeout }
        return try result!.get()
    }
}

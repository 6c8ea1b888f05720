// TestSupport: vectors from the bundle, temp dirs, and key files made with the openssl CLI.
import Foundation
import PixelDKIM

enum Vectors {
    static var dir: URL { Bundle.module.resourceURL!.appendingPathComponent("vectors") }
    static func bytes(_ name: String) -> [UInt8] { [UInt8](try! Data(contentsOf: dir.appendingPathComponent(name))) }
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
}

enum TempKeys {
    /// A fresh temp directory.
    static func dir() -> String {
        let p = NSTemporaryDirectory() + "pixeldkim-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    /// Runs `openssl ARGS`; true on exit 0.
    @discardableResult
    static func openssl(_ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try! p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static func rsa(_ bits: Int, in dir: String) -> String {
        let path = "\(dir)/rsa\(bits).pem"
        precondition(openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)", "-out", path]))
        return path
    }

    static func ed25519(in dir: String) -> String {
        let path = "\(dir)/ed25519.pem"
        precondition(openssl(["genpkey", "-algorithm", "ED25519", "-out", path]))
        return path
    }

    static func ecP256(in dir: String) -> String {
        let path = "\(dir)/ec.pem"
        precondition(openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]))
        return path
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

// DKIMBench: `pixelgate-bench dkim [--size BYTES] [--seconds S]` prints signatures/s for
// RSA-2048 and Ed25519 on a generated message of 50 KB (default): the whole DKIM step per
// message — header scan, relaxed body canonicalisation + SHA-256, header hash input, sign —
// single-threaded, in several rounds; the median round is printed as
// `dkim: rsa-sha256 (2048 bits): <N> signatures/s wall, <M> per CPU-second` (and the same for
// ed25519-sha256); the CPU-second figure is what one core does when the machine is shared.
// Keys are generated with the openssl CLI in a temp dir. Run in a release build.
import Foundation
import PixelDKIM

enum DKIMBench {
    static let rounds = 5

    static func run(_ args: [String]) {
        var size = 50 * 1024
        var seconds = 0.5
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--size" where i + 1 < args.count: size = Int(args[i + 1]) ?? size; i += 1
            case "--seconds" where i + 1 < args.count: seconds = Double(args[i + 1]) ?? seconds; i += 1
            default:
                FileHandle.standardError.write(Data("usage: pixelgate-bench dkim [--size BYTES] [--seconds S]\n".utf8))
                exit(2)
            }
            i += 1
        }
        let dir = NSTemporaryDirectory() + "pixelgate-dkim-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let message = makeMessage(size: size)
        for (name, alg, keygen) in [("rsa-sha256 (2048 bits)", DKIMAlgorithm.rsaSHA256, ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                                    ("ed25519-sha256", DKIMAlgorithm.ed25519SHA256, ["-algorithm", "ED25519"])] {
            let path = "\(dir)/\(alg.keyType).pem"
            guard openssl(["genpkey"] + keygen + ["-out", path]) else { fail("openssl genpkey failed") }
            let key: SigningKey
            do { key = try SigningKey(path: path, algorithm: alg) } catch { fail(error.description) }
            let signer = MessageSigner(entries: [SigningEntry(signer: Signer(domain: "bench.example", selector: "b", key: key), matchSubdomains: false)])
            var rates: [Double] = []
            var cpuRates: [Double] = []
            var check = 0
            for _ in 0..<rounds {
                var n = 0
                let start = Date()
                let cpu0 = cpuSeconds()
                while Date().timeIntervalSince(start) < seconds {
                    let o = signer.process(message: message, changed: true, time: 1_800_000_000)
                    check &+= o.signatures.count
                    n += 1
                }
                rates.append(Double(n) / Date().timeIntervalSince(start))
                cpuRates.append(Double(n) / Swift.max(cpuSeconds() - cpu0, 1e-9))
            }
            precondition(check > 0, "nothing was signed")
            let median = rates.sorted()[rates.count / 2]
            let cpuMedian = cpuRates.sorted()[cpuRates.count / 2]
            print("dkim: \(name): \(Int(median.rounded())) signatures/s wall, \(Int(cpuMedian.rounded())) per CPU-second (message \(message.count) bytes)")
        }
    }

    /// A marketing-style message of about `size` bytes: headers, then quoted-printable HTML lines.
    static func makeMessage(size: Int) -> [UInt8] {
        var m = Array("""
        From: Shop <news@bench.example>\r
        To: someone@example.net\r
        Subject: Weekly offers\r
        Date: Mon, 30 Nov 2026 05:00:00 +0000\r
        Message-ID: <bench-1@bench.example>\r
        MIME-Version: 1.0\r
        Content-Type: text/html; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        List-Unsubscribe: <https://bench.example/u/1>\r
        \r

        """.utf8)
        let line = Array("<p style=3D\"margin:0\">Offer line with  some   spaces and a <a href=3D\"https://bench.example/x\">link</a></p>  \r\n".utf8)
        while m.count < size { m += line }
        return m
    }

    /// CPU time of this process, so that a busy shared machine does not hide the real cost.
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func openssl(_ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static func fail(_ why: String) -> Never {
        FileHandle.standardError.write(Data("bench: \(why)\n".utf8))
        exit(1)
    }
}

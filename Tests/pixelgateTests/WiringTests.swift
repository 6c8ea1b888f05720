// WiringTests: the executable's wiring as units — metric labels (closed sets), the DKIM planner
// wrapped around another planner (signs a changed variant, names a bad key with its entry), and
// the HTTP side built and reloaded from a config (api_token_file lines, reload refusals).
import Foundation
import PixelPolicy
import PixelRelay
import PixelWeb
import Testing
@testable import pixelgate

/// A planner that prefixes every message with one header line (a "changed" variant), one variant.
struct PrefixPlanner: VariantPlanner {
    func prepare(recipient: String, session: String) -> any Sendable { () }
    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        [PlannedVariant(recipients: Array(recipients.indices), chunks: [.bytes(Array("X-Test: 1\r\n".utf8)), .original(0..<message.count)], label: "v1")]
    }
    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
}

func tempDir() throws -> String {
    let d = NSTemporaryDirectory() + "pixelgate-wiring-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

@Suite struct WiringTests {
    /// One [[dkim]] entry for shop.example, selector s1.
    static func dkimConfig(key: String, algorithm: String) throws -> PixelgateConfig {
        try PixelgateConfig(reader: ConfigReader(text: """
            [[dkim]]
            domain = "shop.example"
            selector = "s1"
            key = "\(key)"
            algorithm = "\(algorithm)"
            """, path: "test.toml"))
    }

    @Test func metricLabelsAreClosedSets() {
        #expect(ProcessMetrics.replyClass(250) == "2xx")
        #expect(ProcessMetrics.replyClass(451) == "4xx")
        #expect(ProcessMetrics.replyClass(354) == "other")
        #expect(ProcessMetrics.purposeLabel([]) == "none")
        #expect(ProcessMetrics.purposeLabel(["open_measurement", "open_measurement"]) == "open_measurement")
        #expect(ProcessMetrics.purposeLabel(["open_measurement", "made_up"]) == "unknown")
        #expect(ProcessMetrics.vectorLabel("not-a-vector") == "other")
    }

    @Test func dkimPlannerSignsWhatTheInnerPlannerChanged() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = dir + "/ed.pem"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["genpkey", "-algorithm", "ed25519", "-out", key]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let cfg = try Self.dkimConfig(key: key, algorithm: "ed25519-sha256")
        let planner = try DKIMWiring.wrap(PrefixPlanner(), cfg)
        let message = Array("From: News <news@shop.example>\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n".utf8)
        let ctx = MessageContext(session: "s", queueID: nil, mailFrom: "news@shop.example")
        let variants = try message.withUnsafeBytes { m in
            try planner.plan(message: m, recipients: [PlannedRecipient(address: "bob@example.org", prepared: ())], context: ctx)
        }
        #expect(variants.count == 1)
        guard case .bytes(let head)? = variants.first?.chunks.first else { Issue.record("no signature chunk"); return }
        let text = String(decoding: head, as: UTF8.self)
        #expect(text.hasPrefix("DKIM-Signature: v=1; a=ed25519-sha256;"))
        #expect(text.contains("d=shop.example") && text.contains("s=s1"))
        #expect(variants[0].logFields.contains { $0.0 == "dkim" && $0.1 == "signed:shop.example/s1" })
    }

    @Test func dkimBadKeyNamesTheEntry() throws {
        let cfg = try Self.dkimConfig(key: "/nonexistent/key.pem", algorithm: "rsa-sha256")
        do {
            _ = try DKIMWiring.loadSigner(cfg)
            Issue.record("a missing key must fail")
        } catch {
            #expect("\(error)".contains("dkim[0] (shop.example/s1)"))
        }
    }

    @Test func httpSettingsReadTheTokenFileAndNameABadLine() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tokens = dir + "/api.tokens"
        try "# comment\nfile-token-0123456789abcdef\n\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        var cfg = try PixelgateConfig(reader: ConfigReader(text: "[http]\napi_tokens = [\"inline-token-0123456789\"]\napi_token_file = \"\(tokens)\"\n", path: "t.toml"))
        let s = try WebWiring.settings(cfg)
        #expect(s.apiTokens == ["inline-token-0123456789", "file-token-0123456789abcdef"])
        try "ok-token-0123456789abcdef\nshort\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        do {
            _ = try WebWiring.settings(cfg)
            Issue.record("a short token must fail")
        } catch {
            #expect("\(error)".contains("\(tokens):2"))
        }
        cfg.http.apiTokenFile = dir + "/missing"
        #expect(throws: CLIError.self) { try WebWiring.settings(cfg) }
    }

    @Test func httpReloadFromConfigSwapsKeysAndRefusesTurningOff() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = dir + "/token.keys"
        try "1:\(String(repeating: "11", count: 32))\n".write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        func config(_ extra: String) throws -> PixelgateConfig {
            var c = try PixelgateConfig(reader: ConfigReader(text: "[general]\nstate_dir = \"\(dir)\"\n[http]\nlisten = \"127.0.0.1:0\"\n[tokens]\nkey_file = \"\(keys)\"\n" + extra, path: "t.toml"))
            c.common.stateDir = dir
            return c
        }
        let cfg = try config("key_id = 1\n")
        let server = try #require(try WebWiring.server(cfg, log: .init(label: "t")))
        try "1:\(String(repeating: "11", count: 32))\n2:\(String(repeating: "22", count: 32))\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let reload = try WebWiring.prepareReload(server, try config("key_id = 2\n"))
        #expect(reload.needsRestart.isEmpty)
        var off = try config("key_id = 2\n")
        off.http.listen = ""
        #expect(throws: CLIError.self) { try WebWiring.prepareReload(server, off) }
        #expect(throws: CLIError.self) { try WebWiring.prepareReload(server, try config("key_id = 3\n")) }
    }
}

// ConfigTests: the executable's config reader as a unit — defaults, durations and sizes, every
// error naming its file and key, unknown keys refused, command-line-free validation of [http].
import Testing
@testable import pixelgate

@Suite struct ConfigTests {
    static func parse(_ text: String) throws -> PixelgateConfig {
        try PixelgateConfig(reader: ConfigReader(text: text, path: "test.toml"))
    }

    @Test func defaultsWithoutAFile() throws {
        let c = try PixelgateConfig(reader: ConfigReader())
        #expect(c.http.tokenMaxAge == 400 * 86400)
        #expect(c.store.timeout == 2)
        #expect(!c.relay.listen.isEmpty)
    }

    @Test func durationsSizesAndLists() throws {
        let c = try Self.parse("""
            [http]
            listen = "127.0.0.1:9000"
            token_max_age = "30d"
            trusted_proxies = ["10.0.0.0/8"]
            [store]
            timeout = "250ms"
            """)
        #expect(c.http.listen == "127.0.0.1:9000")
        #expect(c.http.tokenMaxAge == 30 * 86400)
        #expect(c.http.trustedProxies == ["10.0.0.0/8"])
        #expect(c.store.timeout == 0.25)
    }

    @Test func errorsNameFileAndKey() {
        func message(_ text: String) -> String {
            do { _ = try Self.parse(text); return "" } catch { return "\(error)" }
        }
        #expect(message("[store]\ntimeout = \"soon\"\n").contains("timeout"))
        #expect(message("[http]\nbogus = 1\n").contains("http.bogus"))
        #expect(message("[http]\ntrusted_proxies = [\"not-a-network\"]\n").contains("trusted_proxies"))
        #expect(message("[store]\ntimeout = \"soon\"\n").contains("test.toml"))
    }
}

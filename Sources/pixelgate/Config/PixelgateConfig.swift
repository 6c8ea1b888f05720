// PixelgateConfig: the whole configuration, one section struct per module owner.
// Contract: `load(path:)` reads TOML (default /etc/pixelgate/pixelgate.toml when present, else
// embedded defaults), fills every section from its own reader, and rejects unknown keys by name.
// `effectiveSettings()` lists every key with its value for `check-config`.
import Foundation
import PixelLog

/// Settings shared by every part: [general].
struct CommonSettings {
    /// SQLite store, generated token key, spool files.
    var stateDir: String = "/var/lib/pixelgate"
    /// Name used in Received headers, greetings and EHLO.
    var hostname: String = ProcessInfo.processInfo.hostName

    init() {}

    init(_ s: SectionReader) throws(ConfigError) {
        stateDir = try s.string("state_dir", default: stateDir)
        hostname = try s.string("hostname", default: hostname)
    }

    func effectiveSettings() -> [(String, String)] {
        [("general.state_dir", stateDir), ("general.hostname", hostname)]
    }
}

/// [log]
struct LogSettings {
    var level: String = "info"
    var addresses: AddressLogMode = .full

    init() {}

    init(_ s: SectionReader) throws(ConfigError) {
        level = try s.choice("level", ["trace", "debug", "info", "notice", "warning", "error"], default: level)
        addresses = AddressLogMode(rawValue: try s.choice("log_addresses", AddressLogMode.allCases.map(\.rawValue), default: addresses.rawValue))!
    }

    func effectiveSettings() -> [(String, String)] {
        [("log.level", level), ("log.log_addresses", addresses.rawValue)]
    }
}

struct PixelgateConfig {
    static let defaultPath = "/etc/pixelgate/pixelgate.toml"

    var source: String
    var common: CommonSettings
    var log: LogSettings
    var relay: RelayConfig
    var store: StoreConfig
    var engine: EngineConfig
    var http: HTTPConfig

    /// Reads `path`, or the default path when it exists, or embedded defaults.
    static func load(path: String?) throws -> PixelgateConfig {
        let reader: ConfigReader
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError("\(path): cannot read config file")
            }
            reader = try ConfigReader(text: text, path: path)
        } else if let text = try? String(contentsOfFile: defaultPath, encoding: .utf8) {
            reader = try ConfigReader(text: text, path: defaultPath)
        } else {
            reader = ConfigReader()
        }
        return try PixelgateConfig(reader: reader)
    }

    init(reader: ConfigReader) throws(ConfigError) {
        source = reader.path
        common = try CommonSettings(reader.section("general"))
        log = try LogSettings(reader.section("log"))
        relay = try RelayConfig(reader: reader)
        store = try StoreConfig(reader: reader)
        engine = try EngineConfig(reader: reader)
        http = try HTTPConfig(reader: reader)
        let unknown = reader.unknownKeys()
        if !unknown.isEmpty {
            throw ConfigError("\(reader.path): unknown key\(unknown.count > 1 ? "s" : ""): \(unknown.joined(separator: ", "))")
        }
    }

    func effectiveSettings() -> [(String, String)] {
        common.effectiveSettings() + log.effectiveSettings() + relay.effectiveSettings()
            + store.effectiveSettings() + engine.effectiveSettings() + http.effectiveSettings()
    }
}

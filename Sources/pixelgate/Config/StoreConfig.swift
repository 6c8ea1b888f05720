// StoreConfig: the [store] section (consent store backend and its limits), read through ConfigReader.
// Contract: every key has a default and a validated range; `options()` gives PixelStore its
// settings; `effectiveSettings()` lists every key, with any password in `url` masked.
//   backend = "sqlite"            sqlite | postgres | http
//   path = ""                     SQLite file; "" means <state_dir>/consent.sqlite
//   url = ""                      postgres: libpq conninfo or URI; http: lookup endpoint
//   pool_size = 4                 PostgreSQL connections / SQLite readers / HTTP connections
//   timeout = "2s"                bound on one lookup or small write (then on_store_error applies)
//   bulk_timeout = "10m"          bound on one import transaction, including the append-lock wait
//   cache_ttl = "5s"              HTTP backend cache, at most 10 s (DESIGN: "a few seconds at most")
//   on_store_error = "strip"      strip | tempfail
//   case_insensitive_local_part = true
//   retention = "400d"            delivery records
//   journal_retention = "7d"      delivery journal
//   max_evidence_size = "16k"     bytes of evidence JSON per consent event
//   local_path = ""               http backend only: journal/campaigns/deliveries file;
//                                 "" means <state_dir>/pixelgate-local.sqlite
import Foundation
import PixelPolicy
import PixelStore

enum StoreBackendKind: String, CaseIterable {
    case sqlite, postgres, http
}

struct StoreConfig {
    var backend: StoreBackendKind = .sqlite
    var path: String = ""
    var url: String = ""
    var poolSize: Int = 4
    var timeout: Double = 2
    var bulkTimeout: Double = 600
    var cacheTTL: Double = 5
    var onStoreError: StoreErrorPolicy = .strip
    var caseInsensitiveLocalPart = true
    var retention: Double = 400 * 86400
    var journalRetention: Double = 7 * 86400
    var maxEvidenceSize: Int = 16 * 1024
    var localPath: String = ""

    static let maxCacheTTL: Double = 10
    static let maxEvidenceLimit = 1 << 20

    init() {}

    init(reader: ConfigReader) throws(ConfigError) {
        let s = try reader.section("store")
        backend = StoreBackendKind(rawValue: try s.choice("backend", StoreBackendKind.allCases.map(\.rawValue), default: backend.rawValue))!
        path = try s.string("path", default: path)
        url = try s.string("url", default: url)
        poolSize = try s.int("pool_size", default: poolSize, range: 1...256)
        timeout = try s.duration("timeout", default: timeout)
        bulkTimeout = try s.duration("bulk_timeout", default: bulkTimeout)
        cacheTTL = try s.duration("cache_ttl", default: cacheTTL)
        onStoreError = StoreErrorPolicy(rawValue: try s.choice("on_store_error", StoreErrorPolicy.allCases.map(\.rawValue), default: onStoreError.rawValue))!
        caseInsensitiveLocalPart = try s.bool("case_insensitive_local_part", default: caseInsensitiveLocalPart)
        retention = try s.duration("retention", default: retention)
        journalRetention = try s.duration("journal_retention", default: journalRetention)
        maxEvidenceSize = try s.size("max_evidence_size", default: maxEvidenceSize)
        localPath = try s.string("local_path", default: localPath)

        let file = reader.path
        if timeout <= 0 || timeout > 300 { throw ConfigError("\(file): store.timeout must be between 1ms and 300s") }
        if bulkTimeout < timeout { throw ConfigError("\(file): store.bulk_timeout must be at least store.timeout") }
        if cacheTTL > Self.maxCacheTTL { throw ConfigError("\(file): store.cache_ttl must be at most \(Int(Self.maxCacheTTL))s (a withdrawal must take effect within seconds)") }
        if retention < 86400 { throw ConfigError("\(file): store.retention must be at least 1d") }
        if journalRetention < 3600 { throw ConfigError("\(file): store.journal_retention must be at least 1h (Postfix retries for days)") }
        if maxEvidenceSize < 2 || maxEvidenceSize > Self.maxEvidenceLimit { throw ConfigError("\(file): store.max_evidence_size must be between 2 bytes and 1M") }
        switch backend {
        case .sqlite:
            if !url.isEmpty { throw ConfigError("\(file): store.url is for backend = \"postgres\" or \"http\"; use store.path for sqlite") }
        case .postgres:
            if url.isEmpty { throw ConfigError("\(file): store.url (a libpq conninfo or postgresql:// URI) is required for backend = \"postgres\"") }
        case .http:
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
                throw ConfigError("\(file): store.url must be an http:// or https:// URL for backend = \"http\"")
            }
        }
    }

    func sqlitePath(stateDir: String) -> String {
        path.isEmpty ? (stateDir as NSString).appendingPathComponent("consent.sqlite") : path
    }

    func localSQLitePath(stateDir: String) -> String {
        localPath.isEmpty ? (stateDir as NSString).appendingPathComponent("pixelgate-local.sqlite") : localPath
    }

    func options() -> StoreOptions {
        var o = StoreOptions()
        o.timeout = timeout
        o.bulkTimeout = bulkTimeout
        o.poolSize = poolSize
        o.cacheTTL = cacheTTL
        o.caseInsensitiveLocalPart = caseInsensitiveLocalPart
        o.retention = retention
        o.journalRetention = journalRetention
        o.maxEvidenceSize = maxEvidenceSize
        return o
    }

    func effectiveSettings() -> [(String, String)] {
        [
            ("store.backend", backend.rawValue),
            ("store.path", path.isEmpty ? "<state_dir>/consent.sqlite" : path),
            ("store.url", Self.maskPassword(url)),
            ("store.pool_size", String(poolSize)),
            ("store.timeout", Self.seconds(timeout)),
            ("store.bulk_timeout", Self.seconds(bulkTimeout)),
            ("store.cache_ttl", Self.seconds(cacheTTL)),
            ("store.on_store_error", onStoreError.rawValue),
            ("store.case_insensitive_local_part", String(caseInsensitiveLocalPart)),
            ("store.retention", Self.seconds(retention)),
            ("store.journal_retention", Self.seconds(journalRetention)),
            ("store.max_evidence_size", String(maxEvidenceSize)),
            ("store.local_path", localPath.isEmpty ? "<state_dir>/pixelgate-local.sqlite" : localPath),
        ]
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }

    static func maskPassword(_ url: String) -> String { SecretMasking.maskPasswords(url) }
}

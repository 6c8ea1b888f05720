// StoreWiring: opens the configured consent store (the one place that picks a backend).
// Contract: `openStore` returns a ready store (schema migrated) or throws `StoreError` /
// `ConfigError` with a clear message; SQLite files default into the state directory, which is
// created (mode 0700) when missing. The relay adapts the returned store's
// `markDelivered`/`wasDelivered` to its DeliveryJournal and maps `StoreError.unavailable` through
// `cfg.store.onStoreError`.
import Foundation
import PixelStore

enum StoreWiring {
    static func openStore(_ cfg: PixelgateConfig) throws -> any ConsentStore {
        let store = cfg.store
        let stateDir = cfg.common.stateDir
        switch store.backend {
        case .sqlite:
            return try SQLiteConsentStore(path: store.sqlitePath(stateDir: stateDir), options: store.options())
        case .postgres:
            return try PostgresConsentStore(conninfo: store.url, options: store.options())
        case .http:
            return try HTTPConsentStore(url: store.url, localPath: store.localSQLitePath(stateDir: stateDir), options: store.options())
        }
    }
}

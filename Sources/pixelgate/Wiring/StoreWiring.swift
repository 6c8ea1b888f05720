// StoreWiring: opens the configured consent store (the one place that picks a backend), and adapts
// its journal to the relay's DeliveryJournal.
// Contract: `openStore` returns a ready store (schema migrated) or throws `StoreError` /
// `ConfigError` with a clear message; SQLite files default into the state directory, which is
// created (mode 0700) when missing. The relay maps `StoreError.unavailable` through
// `cfg.store.onStoreError` (strip | tempfail).
import Foundation
import PixelRelay
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

/// The store's delivery journal as the relay's DeliveryJournal (same method names, same meaning).
struct StoreDeliveryJournal: DeliveryJournal {
    let store: any ConsentStore

    func wasDelivered(messageKey: String, recipient: String) throws -> Bool {
        try store.wasDelivered(messageKey: messageKey, recipient: recipient)
    }

    func markDelivered(messageKey: String, recipients: [String]) throws {
        try store.markDelivered(messageKey: messageKey, recipients: recipients)
    }
}

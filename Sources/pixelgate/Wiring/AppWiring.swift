// AppWiring: connects the consent store to the relay and the engine. It is the one place where
// the three meet: the store answers consent lookups, holds the campaign registry, takes the
// delivery records and backs the relay's delivery journal.
// Contract: the process opens its store once and keeps it across SIGHUP reloads unless the
// backend or its location changed; a store that cannot be opened at start is a startup error
// naming the cause (a store that goes down later follows `on_store_error`).
import Foundation
import PixelPolicy
import PixelRelay
import PixelStore

enum AppWiring {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var opened: (key: String, store: any ConsentStore)?

    /// The process's consent store for this config.
    static func store(_ cfg: PixelgateConfig) throws -> any ConsentStore {
        let key = "\(cfg.store.backend.rawValue)|\(cfg.store.sqlitePath(stateDir: cfg.common.stateDir))|\(cfg.store.url)"
        lock.lock(); defer { lock.unlock() }
        if let opened, opened.key == key { return opened.store }
        do {
            try FileManager.default.createDirectory(atPath: cfg.common.stateDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let store = try StoreWiring.openStore(cfg)
            // The previous store is not closed: sessions that started before a reload still use it.
            opened = (key, store)
            return store
        } catch let e as StoreError {
            throw CLIError("pixelgate: consent store (\(cfg.store.backend.rawValue)): \(e.description)")
        }
    }

    /// The engine's planner over the configured store: consent lookups at RCPT time, the
    /// store-backed campaign registry, and delivery records.
    static func planner(_ cfg: PixelgateConfig) throws -> any VariantPlanner {
        let store = try store(cfg)
        do {
            return try makeEnginePlanner(cfg: cfg, lookup: store, campaigns: store, recorder: store)
        } catch let e as ConfigError {
            throw CLIError("pixelgate: \(e.description)")
        }
    }
}

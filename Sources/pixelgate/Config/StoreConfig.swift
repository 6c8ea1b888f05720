// StoreConfig: [store]. Owned by the consent-store work; placeholder.
struct StoreConfig {
    init(reader: ConfigReader) throws(ConfigError) {}
    func effectiveSettings() -> [(String, String)] { [] }
}

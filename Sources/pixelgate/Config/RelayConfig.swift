// RelayConfig: [server], [limits], [tls], [auth], [upstream]. Owned by the relay work; placeholder.
struct RelayConfig {
    init(reader: ConfigReader) throws(ConfigError) {}
    func effectiveSettings() -> [(String, String)] { [] }
}

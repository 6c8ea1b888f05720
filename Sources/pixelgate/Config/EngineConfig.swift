// EngineConfig: [engine], [tokens], [footer], [[rules]]. Owned by the engine work; placeholder.
struct EngineConfig {
    init(reader: ConfigReader) throws(ConfigError) {}
    func effectiveSettings() -> [(String, String)] { [] }
}

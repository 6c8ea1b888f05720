// check-config: validate the config and print the effective settings, one `key = value` per line.
import ArgumentParser

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate the config and print the effective settings.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let cfg: PixelgateConfig
        do {
            cfg = try options.load()
        } catch let e as ConfigError {
            throw CLIError("pixelgate: \(e.description)")
        }
        print("# source: \(cfg.source)")
        for (k, v) in cfg.effectiveSettings() { print("\(k) = \(v)") }
    }
}

// check-config: validate the config and print the effective settings, one `key = value` per line;
// load every DKIM key and print the DNS TXT record to publish for each selector.
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
        // Every DKIM key is loaded now: a bad one fails here, naming the file (exit 1).
        let records = try DKIMWiring.dnsRecords(DKIMWiring.loadSigner(cfg))
        print("# source: \(cfg.source)")
        for (k, v) in cfg.effectiveSettings() { print("\(k) = \(v)") }
        if !records.isEmpty {
            print("# DKIM: publish these TXT records")
            for r in records { print(r) }
        }
    }
}

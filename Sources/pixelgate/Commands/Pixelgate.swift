// Pixelgate: the root command. Each subcommand lives in its own file under Commands/.
import ArgumentParser
import Foundation

@main
struct Pixelgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixelgate",
        abstract: "Outbound SMTP relay that enforces consent for email tracking pixels.",
        subcommands: [Serve.self, CheckConfig.self, Scan.self, Filter.self, Consent.self, Links.self]
    )

    static func main() {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as CLIError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            Foundation.exit(e.code)
        } catch let e as ConfigError {
            FileHandle.standardError.write(Data(("pixelgate: " + e.description + "\n").utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

/// `--config FILE` and `--state-dir DIR`, shared by every subcommand.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default /etc/pixelgate/pixelgate.toml when it exists, else embedded defaults).")
    var config: String?

    @Option(name: .customLong("state-dir"), help: "State directory: SQLite store, token key, journal.")
    var stateDir: String?

    /// Loads the config and applies `--state-dir`.
    func load() throws -> PixelgateConfig {
        var cfg = try PixelgateConfig.load(path: config)
        if let stateDir { cfg.common.stateDir = stateDir }
        return cfg
    }
}

/// A CLI failure: message on stderr, exit status `code` (1 unless the command says otherwise:
/// 64 usage, 65 unparseable data, 75 temporary failure, as in sysexits.h).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32 = 1) { self.description = description; self.code = code }
}

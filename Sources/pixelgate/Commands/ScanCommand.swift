// scan: placeholder until its issue lands.
import ArgumentParser

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "(not built yet)")
    func run() throws { throw CLIError("pixelgate scan: not built yet") }
}

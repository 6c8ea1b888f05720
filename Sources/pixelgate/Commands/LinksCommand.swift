// links: placeholder until its issue lands.
import ArgumentParser

struct Links: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "links", abstract: "(not built yet)")
    func run() throws { throw CLIError("pixelgate links: not built yet") }
}

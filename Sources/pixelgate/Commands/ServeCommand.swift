// serve: placeholder until its issue lands.
import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "(not built yet)")
    func run() throws { throw CLIError("pixelgate serve: not built yet") }
}

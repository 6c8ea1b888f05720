// filter: placeholder until its issue lands.
import ArgumentParser

struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "filter", abstract: "(not built yet)")
    func run() throws { throw CLIError("pixelgate filter: not built yet") }
}

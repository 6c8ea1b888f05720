// consent: placeholder until its issue lands.
import ArgumentParser

struct Consent: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consent", abstract: "(not built yet)")
    func run() throws { throw CLIError("pixelgate consent: not built yet") }
}

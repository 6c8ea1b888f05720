// links: prints a recipient's preferences and withdrawal URLs, for the sender's own sign-up flow and
// consent-request mail. The withdrawal token covers every consentable purpose.
import ArgumentParser
import Foundation
import PixelPolicy

struct Links: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "links", abstract: "Print a recipient's preferences and withdrawal URLs.")

    @Argument(help: "The recipient address.")
    var address: String

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let cfg = try options.load()
        let e = cfg.engine
        let ring: TokenKeyring
        do {
            ring = try TokenKeySource.keyring(inlineKey: e.tokenKey, keyFile: e.tokenKeyFile, keyID: UInt8(e.tokenKeyID), stateDir: cfg.common.stateDir)
        } catch {
            throw CLIError("pixelgate links: \(error.description)")
        }
        guard address.contains("@"), !address.contains(where: { $0.isWhitespace }) else {
            throw CLIError("pixelgate links: \"\(address)\" is not a mail address", code: 64)
        }
        let links = PolicyLinks(publicURL: cfg.http.publicURL, keyring: ring)
        print("preferences: \(links.preferences(recipient: address, campaign: nil))")
        print("withdraw: \(links.withdraw(recipient: address, purposes: Purpose.consentable, campaign: nil))")
    }
}

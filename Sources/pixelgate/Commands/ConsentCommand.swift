// consent: manage and prove consents (DESIGN "Command line"). The subcommands live in
// Consent*Commands.swift; this file holds the group and what they share: opening the store,
// reporting errors, and the evidence recorded when none is given.
// Exit status: 0 success; 1 bad input, refused operation or a broken chain; 75 (EX_TEMPFAIL) when
// the store is unavailable, so scripts can retry. Messages go to stderr, one line, no trace.
import ArgumentParser
import Foundation
import PixelStore

struct Consent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Manage and prove tracking consents (append-only, hash-chained events).",
        subcommands: [ConsentGrant.self, ConsentWithdraw.self, ConsentShow.self, ConsentHistory.self,
                      ConsentExport.self, ConsentImport.self, ConsentVerify.self]
    )
}

enum ConsentCLI {
    static let exitUnavailable: Int32 = 75

    /// Loads the config and opens the store, or exits with a clear message.
    static func open(_ options: ConfigOptions) throws -> (PixelgateConfig, any ConsentStore) {
        let cfg: PixelgateConfig
        do { cfg = try options.load() } catch { throw fail("\(error)") }
        do {
            return (cfg, try StoreWiring.openStore(cfg))
        } catch {
            throw report(error)
        }
    }

    /// Writes `message` to stderr and returns the exit code to throw.
    static func fail(_ message: String, code: Int32 = 1) -> ExitCode {
        FileHandle.standardError.write(Data("pixelgate consent: \(message)\n".utf8))
        return ExitCode(code)
    }

    /// Maps a store error to its message and exit status.
    static func report(_ error: any Error) -> ExitCode {
        switch error {
        case let e as StoreError:
            if case .unavailable = e { return fail(e.description, code: exitUnavailable) }
            if case .badImportLine = e {
                FileHandle.standardError.write(Data("\(e.description)\n".utf8))
                return ExitCode(1)
            }
            return fail(e.description)
        case let e as ExitCode:
            return e
        default:
            return fail("\(error)")
        }
    }

    /// Runs `body`, reporting any error as above.
    static func run(_ body: () throws -> Void) throws {
        do { try body() } catch { throw report(error) }
    }

    /// Evidence recorded when the operator gives none: who recorded the change, with what, where.
    static func defaultEvidence(command: String) -> String {
        var user = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? ""
        if user.isEmpty, let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { user = String(cString: name) }
        return "{\"recorded_with\":\(ConsentJSON.string("pixelgate consent " + command)),\"operator\":\(ConsentJSON.string(user)),"
            + "\"host\":\(ConsentJSON.string(ProcessInfo.processInfo.hostName)),\"note\":\"no evidence given\"}"
    }

    /// Buffered stdout for long outputs.
    final class Output {
        private var buffer: [UInt8] = []
        func write(_ s: String) {
            buffer += Array(s.utf8)
            if buffer.count >= 1 << 16 { flush() }
        }
        func flush() {
            if buffer.isEmpty { return }
            FileHandle.standardOutput.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
}

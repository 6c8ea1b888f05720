// StoreError: the one error type every consent-store backend throws.
// Contract: each case carries enough text for an operator or a DPO to act on it; `description`
// is a complete sentence fragment fit for a CLI message or a log line. The relay and the engine
// map `.unavailable` (and only it) through `on_store_error = strip|tempfail`; every other case is
// a refusal of bad input or of an operation the backend cannot do, and nothing was stored.
import Foundation
import PixelPolicy

public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store could not answer (down, timed out, connection lost, disk error).
    case unavailable(String)
    /// The address is malformed; the reason says how.
    case invalidAddress(String, reason: String)
    /// Not one of the fixed purpose ids.
    case invalidPurpose(String)
    /// An exempt purpose needs no consent and cannot be granted or withdrawn.
    case exemptPurpose(String)
    /// Evidence larger than `max_evidence_size`.
    case evidenceTooLarge(size: Int, limit: Int)
    /// Evidence that is not JSON.
    case invalidEvidence(String)
    /// Any other invalid field of an event (e.g. an empty source, a time out of range).
    case invalidEvent(String)
    /// The backend cannot write (HTTP lookup backend).
    case readOnly(String)
    /// The database schema is newer than this program, or a migration failed.
    case schema(String)
    /// An import file is bad at this line; nothing was stored.
    case badImportLine(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unavailable(let cause): return "consent store unavailable: \(cause)"
        case .invalidAddress(let a, let reason): return "invalid address \"\(StoreError.printable(a))\": \(reason)"
        case .invalidPurpose(let p):
            return "invalid purpose \"\(StoreError.printable(p))\" (valid: \(Purpose.consentable.map(\.id).joined(separator: ", ")))"
        case .exemptPurpose(let p): return "purpose \"\(p)\" is exempt: it needs no consent and cannot be granted or withdrawn"
        case .evidenceTooLarge(let size, let limit): return "evidence is \(size) bytes, over max_evidence_size (\(limit) bytes)"
        case .invalidEvidence(let why): return "evidence must be JSON: \(why)"
        case .invalidEvent(let why): return "invalid consent event: \(why)"
        case .readOnly(let what): return "read-only backend: \(what)"
        case .schema(let why): return "consent store schema: \(why)"
        case .badImportLine(let file, let line, let reason): return "\(file):\(line): \(reason)"
        }
    }

    /// Escapes control characters so that an error message stays one printable line.
    static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars.prefix(300) {
            if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
        }
        return s.unicodeScalars.count > 300 ? out + "…" : out
    }
}

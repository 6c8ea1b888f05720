// AddressRedaction: how mail addresses appear in logs (config `log_addresses = full|domain|hash`).
// `domain` keeps only "@domain"; `hash` gives the first 16 hex digits of SHA-256 of the lower-cased
// address, stable across lines so an operator can still correlate one recipient.
import PixelCrypto

public enum AddressLogMode: String, Sendable, CaseIterable {
    case full, domain, hash

    public func render(_ address: String) -> String {
        switch self {
        case .full:
            return address
        case .domain:
            guard let at = address.lastIndex(of: "@") else { return "redacted" }
            return String(address[at...]).lowercased()
        case .hash:
            return "h:" + String(Digest.hex(Digest.sha256(Array(address.lowercased().utf8))).prefix(16))
        }
    }
}

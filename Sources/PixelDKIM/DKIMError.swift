// DKIMError: the typed errors of PixelDKIM.
// Contract: every key problem names the file it came from; no error is a magic value.

/// Why a signing key could not be used.
public enum DKIMKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not a PEM private key OpenSSL can parse.
    case notAPrivateKey(path: String)
    /// The key is of a type DKIM cannot use (e.g. EC P-256), or not the configured algorithm.
    case wrongType(path: String, found: String, expected: String)
    /// An RSA key shorter than the minimum (RFC 8301: 1024 bits).
    case tooShort(path: String, bits: Int, minimum: Int)
    /// OpenSSL refused an operation on the key.
    case openssl(path: String, operation: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "DKIM key \(p): cannot read: \(r)"
        case .notAPrivateKey(let p): return "DKIM key \(p): not a PEM private key"
        case .wrongType(let p, let f, let e): return "DKIM key \(p): wrong key type \(f), expected \(e)"
        case .tooShort(let p, let b, let m): return "DKIM key \(p): RSA key of \(b) bits is too short (minimum \(m))"
        case .openssl(let p, let op): return "DKIM key \(p): OpenSSL failed to \(op)"
        }
    }
}

/// Why a signature could not be produced.
public enum DKIMSignError: Error, Sendable, Equatable, CustomStringConvertible {
    case noFromHeader
    case signingFailed(String)

    public var description: String {
        switch self {
        case .noFromHeader: return "message has no From header"
        case .signingFailed(let s): return "signing failed: \(s)"
        }
    }
}

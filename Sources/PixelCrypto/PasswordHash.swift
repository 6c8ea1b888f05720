// PasswordHash: checks a password against a crypt(3) hash ($y$ yescrypt, $6$ SHA-512, $5$ SHA-256),
// as made by `mkpasswd -m sha-512` or `openssl passwd -6`. Uses libcrypt's crypt_r; never hand-written.
import CCrypt

public enum PasswordHash {
    /// True when `password` matches `hash`. Unknown or malformed hashes never match.
    public static func verify(password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$"), !password.isEmpty else { return false }
        var data = crypt_data()
        let out: [UInt8]? = withUnsafeMutablePointer(to: &data) { dp in
            guard let r = crypt_r(password, hash, dp) else { return nil }
            return Array(String(cString: r).utf8)
        }
        guard let computed = out, computed.first == UInt8(ascii: "$") else { return false }
        return Digest.constantTimeEqual(computed, Array(hash.utf8))
    }
}

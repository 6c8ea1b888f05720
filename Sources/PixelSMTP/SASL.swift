// SASL: the PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) exchanges as they appear in SMTP
// AUTH (RFC 4954): base64 payloads in, decoded credentials out, and the client-side encoders.
// Guarantees: decoders return nil (never trap) for bad base64, invalid UTF-8, NUL bytes where they
// are not separators, empty user names or passwords, and payloads over `maxResponseLength`.
// Checking the credentials is the caller's job (PixelCrypto's crypt(3) check).

public enum SASL {
    /// Upper bound of one base64 response line (RFC 4954 allows 12288 octets for the AUTH line).
    public static let maxResponseLength = 12288
    /// "Username:" challenge for LOGIN.
    public static let loginUsernameChallenge = "VXNlcm5hbWU6"
    /// "Password:" challenge for LOGIN.
    public static let loginPasswordChallenge = "UGFzc3dvcmQ6"

    /// Credentials carried by a PLAIN response.
    public struct PlainCredentials: Sendable, Equatable {
        public var authzid: String
        public var user: String
        public var password: String
    }

    /// True when the client cancelled the exchange with "*" (RFC 4954 4).
    public static func isCancel(_ response: String) -> Bool { response == "*" }

    /// Decodes `authzid NUL authcid NUL passwd`; nil when malformed.
    public static func decodePlain(_ base64: String) -> (authzid: String, user: String, password: String)? {
        plain(base64).map { ($0.authzid, $0.user, $0.password) }
    }

    /// Same as `decodePlain`, as a struct.
    public static func plain(_ base64: String) -> PlainCredentials? {
        guard base64.utf8.count <= maxResponseLength, let bytes = Base64.decode(base64) else { return nil }
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty, !parts[2].contains(0),
              let authzid = String(validating: parts[0], as: UTF8.self),
              let user = String(validating: parts[1], as: UTF8.self),
              let password = String(validating: parts[2], as: UTF8.self) else { return nil }
        return PlainCredentials(authzid: authzid, user: user, password: password)
    }

    /// Decodes one LOGIN response (user name or password); nil when malformed or empty.
    public static func decodeLogin(_ base64: String) -> String? {
        guard base64.utf8.count <= maxResponseLength, let bytes = Base64.decode(base64), !bytes.isEmpty,
              !bytes.contains(0), let s = String(validating: bytes, as: UTF8.self) else { return nil }
        return s
    }

    /// Client side: the PLAIN initial response.
    public static func encodePlain(user: String, password: String, authzid: String = "") -> String {
        var bytes = Array(authzid.utf8)
        bytes.append(0)
        bytes.append(contentsOf: user.utf8)
        bytes.append(0)
        bytes.append(contentsOf: password.utf8)
        return Base64.encode(bytes)
    }

    /// Client side: one LOGIN response.
    public static func encodeLogin(_ value: String) -> String { Base64.encode(Array(value.utf8)) }

    /// Plain base64 helpers, exposed for callers without Foundation.
    public static func base64Encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
    public static func base64Decode(_ text: String) -> [UInt8]? { Base64.decode(text) }
}

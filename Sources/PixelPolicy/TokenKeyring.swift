// TokenKeyring: seals and opens tokens with AES-256-GCM (PixelCrypto.AES256GCM) under a key id.
// Token = base64url(keyID byte || nonce(12) || ciphertext || tag(16)); the key id byte and a fixed
// context string are authenticated as associated data. Guarantees: `open` returns nil for anything
// forged, truncated, altered, sealed under an unknown key id, or not a well-formed payload. Older keys
// stay usable for opening (rotation); sealing always uses the current key. The nonce source is
// injectable so that tests can produce deterministic tokens.
import PixelCrypto

public struct TokenKey: Sendable {
    public let id: UInt8
    public let bytes: [UInt8]

    public init(id: UInt8, bytes: [UInt8]) throws(PolicyError) {
        guard bytes.count == AES256GCM.keyLength else { throw .badKey("key \(id) must be 32 bytes, got \(bytes.count)") }
        self.id = id
        self.bytes = bytes
    }
}

public final class TokenKeyring: Sendable {
    public let current: TokenKey
    private let ciphers: [UInt8: AES256GCM]
    private let nonceSource: @Sendable () -> [UInt8]
    static let context = Array("pixelgate-token-v1".utf8)

    /// `older` keys can open tokens but never seal; a duplicate id of the current key is ignored.
    public init(current: TokenKey, older: [TokenKey] = [], nonceSource: (@Sendable () -> [UInt8])? = nil) throws(PolicyError) {
        var c: [UInt8: AES256GCM] = [:]
        for k in older + [current] {
            do { c[k.id] = try AES256GCM(key: k.bytes) } catch { throw .badKey("key \(k.id): \(error)") }
        }
        self.current = current
        self.ciphers = c
        self.nonceSource = nonceSource ?? { SecureRandom.bytes(AES256GCM.nonceLength) }
    }

    public var keyIDs: [UInt8] { ciphers.keys.sorted() }

    /// An opaque URL-safe token.
    public func seal(_ payload: TokenPayload) -> String {
        let aad = [current.id] + Self.context
        // The key length is checked at init, so sealing cannot fail short of an OpenSSL fault.
        guard let box = try? ciphers[current.id]?.seal(payload.encoded(), associatedData: aad, nonce: nonceSource()) else {
            preconditionFailure("AES-256-GCM seal failed")
        }
        return Base64URL.encode([current.id] + box)
    }

    /// The payload, or nil when the token is not authentic.
    public func open(_ token: String) -> TokenPayload? {
        guard token.utf8.count < 8192, let raw = Base64URL.decode(token), raw.count > 1 + AES256GCM.nonceLength + AES256GCM.tagLength,
              let cipher = ciphers[raw[0]] else { return nil }
        guard let plain = cipher.open(Array(raw.dropFirst()), associatedData: [raw[0]] + Self.context) else { return nil }
        return TokenPayload.decode(plain)
    }
}

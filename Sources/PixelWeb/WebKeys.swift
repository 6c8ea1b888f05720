// WebKeys: the keys the web side derives from the token keyring's current key, so that it needs no
// secret of its own and no server state: one for form nonces, one for hashing client IPs in
// evidence. Guarantees: each key is HMAC-SHA256(token key, a fixed label), so the two never equal
// each other nor the token key; rotating the token key rotates both.
import PixelCrypto
import PixelPolicy

struct WebKeys: Sendable {
    let nonce: [UInt8]
    let ipHash: [UInt8]

    init(keyring: TokenKeyring) {
        let k = keyring.current.bytes
        nonce = Digest.hmacSHA256(key: k, Array("pixelgate-web-nonce-v1".utf8))
        ipHash = Digest.hmacSHA256(key: k, Array("pixelgate-web-ip-hash-v1".utf8))
    }

    /// Hex HMAC-SHA256 of the client IP (evidence `ip_hash`).
    func hashIP(_ ip: String) -> String { Digest.hex(Digest.hmacSHA256(key: ipHash, Array(ip.utf8))) }
}

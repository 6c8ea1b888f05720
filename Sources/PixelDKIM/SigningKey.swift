// SigningKey: a DKIM private key loaded from a PEM file through OpenSSL, its raw signing
// operation, and the DNS TXT record that publishes its public half.
// Contract: `load` rejects a missing/unreadable file, a file that is not a PEM private key, a key
// of another type than the configured algorithm (RSA or Ed25519 only), and RSA under
// `minimumRSABits` (1024, RFC 8301), each error naming the file. `rawSign` is
// EVP_DigestSign: rsa-sha256 = SHA-256 + PKCS#1 v1.5 over the data; ed25519-sha256 (RFC 8463) =
// pure Ed25519 over the data, which the signer makes the 32-byte SHA-256 of the header hash
// input. The key is immutable after loading and safe to use from several threads (one EVP_MD_CTX
// per call).
import COpenSSL
import Foundation

public enum DKIMAlgorithm: String, Sendable, CaseIterable {
    case rsaSHA256 = "rsa-sha256"
    case ed25519SHA256 = "ed25519-sha256"

    /// The k= value of the DNS record.
    public var keyType: String { self == .rsaSHA256 ? "rsa" : "ed25519" }
}

public final class SigningKey: @unchecked Sendable {
    public static let minimumRSABits = 1024

    public let algorithm: DKIMAlgorithm
    public let path: String
    /// Key size in bits (256 for Ed25519).
    public let bits: Int
    private let pkey: OpaquePointer

    /// Loads a PEM private key (PKCS#8 or traditional) and checks it fits `algorithm`.
    public init(path: String, algorithm: DKIMAlgorithm, minimumRSABits: Int = SigningKey.minimumRSABits) throws(DKIMKeyError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        let bytes = [UInt8](data)
        guard let key = Self.parsePEM(bytes) else { throw .notAPrivateKey(path: path) }
        let id = EVP_PKEY_get_base_id(key)
        let expected: Int32 = algorithm == .rsaSHA256 ? EVP_PKEY_RSA : EVP_PKEY_ED25519
        guard id == expected else {
            let found = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown"
            EVP_PKEY_free(key)
            throw .wrongType(path: path, found: found, expected: algorithm == .rsaSHA256 ? "RSA" : "ED25519")
        }
        let bits = Int(EVP_PKEY_get_bits(key))
        if algorithm == .rsaSHA256 && bits < minimumRSABits {
            EVP_PKEY_free(key)
            throw .tooShort(path: path, bits: bits, minimum: minimumRSABits)
        }
        self.pkey = key
        self.bits = bits
        self.algorithm = algorithm
        self.path = path
    }

    deinit { EVP_PKEY_free(pkey) }

    private static func parsePEM(_ bytes: [UInt8]) -> OpaquePointer? {
        bytes.withUnsafeBytes { buf -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(buf.baseAddress, Int32(buf.count)) else { return nil }
            defer { BIO_free(bio) }
            let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            ERR_clear_error()
            return key
        }
    }

    /// The public key as DKIM publishes it: DER SubjectPublicKeyInfo for RSA, the raw 32 bytes
    /// for Ed25519 (RFC 8463 §4).
    public func publicKeyBytes() throws(DKIMKeyError) -> [UInt8] {
        switch algorithm {
        case .rsaSHA256:
            let n = i2d_PUBKEY(pkey, nil)
            guard n > 0 else { throw .openssl(path: path, operation: "encode the public key") }
            var out = [UInt8](repeating: 0, count: Int(n))
            let written = out.withUnsafeMutableBufferPointer { b -> Int32 in
                var p: UnsafeMutablePointer<UInt8>? = b.baseAddress
                return i2d_PUBKEY(pkey, &p)
            }
            guard written == n else { throw .openssl(path: path, operation: "encode the public key") }
            return out
        case .ed25519SHA256:
            var len = 32
            var out = [UInt8](repeating: 0, count: 32)
            guard EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1 else {
                throw .openssl(path: path, operation: "read the Ed25519 public key")
            }
            return Array(out.prefix(len))
        }
    }

    /// `v=DKIM1; k=rsa|ed25519; p=<base64>`, the TXT record text.
    public func dnsRecord() throws(DKIMKeyError) -> String {
        "v=DKIM1; k=\(algorithm.keyType); p=\(Data(try publicKeyBytes()).base64EncodedString())"
    }

    /// EVP_DigestSign over `data`: SHA-256 + PKCS#1 v1.5 for RSA, pure Ed25519 for Ed25519.
    public func rawSign(_ data: [UInt8]) throws(DKIMSignError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw .signingFailed("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        let md = algorithm == .rsaSHA256 ? EVP_sha256() : nil
        guard EVP_DigestSignInit(ctx, nil, md, nil, pkey) == 1 else {
            ERR_clear_error()
            throw .signingFailed("EVP_DigestSignInit (\(path))")
        }
        var len = 0
        let ok = data.withUnsafeBufferPointer { d -> Bool in
            EVP_DigestSign(ctx, nil, &len, d.baseAddress, d.count) == 1
        }
        guard ok else { ERR_clear_error(); throw .signingFailed("EVP_DigestSign size (\(path))") }
        var sig = [UInt8](repeating: 0, count: len)
        let ok2 = data.withUnsafeBufferPointer { d -> Bool in
            sig.withUnsafeMutableBufferPointer { s in EVP_DigestSign(ctx, s.baseAddress, &len, d.baseAddress, d.count) == 1 }
        }
        guard ok2 else { ERR_clear_error(); throw .signingFailed("EVP_DigestSign (\(path))") }
        return Array(sig.prefix(len))
    }
}

// AEAD: AES-256-GCM seal/open through OpenSSL EVP.
// Contract: seal returns nonce(12) || ciphertext || tag(16); open returns nil for anything forged,
// truncated or altered. Keys are 32 bytes. Associated data is authenticated, not encrypted.
import COpenSSL

public enum AEADError: Error, Equatable {
    case badKeyLength
    case openSSL(String)
}

public struct AES256GCM: Sendable {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    private let key: [UInt8]

    public init(key: [UInt8]) throws(AEADError) {
        guard key.count == Self.keyLength else { throw .badKeyLength }
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], associatedData: [UInt8] = [], nonce: [UInt8]? = nil) throws(AEADError) -> [UInt8] {
        let iv = nonce ?? SecureRandom.bytes(Self.nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .openSSL("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        var len: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, pg_EVP_CTRL_GCM_SET_IVLEN(), Int32(iv.count), nil) == 1,
              EVP_EncryptInit_ex(ctx, nil, nil, key, iv) == 1 else { throw .openSSL("init") }
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(ctx, nil, &len, associatedData, Int32(associatedData.count)) == 1 else { throw .openSSL("aad") }
        }
        let ok1 = out.withUnsafeMutableBufferPointer { o in
            EVP_EncryptUpdate(ctx, o.baseAddress, &len, plaintext, Int32(plaintext.count))
        }
        guard ok1 == 1 else { throw .openSSL("update") }
        total = Int(len)
        let ok2 = out.withUnsafeMutableBufferPointer { o in EVP_EncryptFinal_ex(ctx, o.baseAddress! + total, &len) }
        guard ok2 == 1 else { throw .openSSL("final") }
        total += Int(len)
        guard EVP_CIPHER_CTX_ctrl(ctx, pg_EVP_CTRL_GCM_GET_TAG(), Int32(Self.tagLength), &tag) == 1 else { throw .openSSL("tag") }
        return iv + out.prefix(total) + tag
    }

    /// nil when the box is forged, truncated or altered.
    public func open(_ box: [UInt8], associatedData: [UInt8] = []) -> [UInt8]? {
        guard box.count >= Self.nonceLength + Self.tagLength else { return nil }
        let iv = Array(box.prefix(Self.nonceLength))
        var tag = Array(box.suffix(Self.tagLength))
        let body = Array(box[Self.nonceLength..<(box.count - Self.tagLength)])
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var len: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, pg_EVP_CTRL_GCM_SET_IVLEN(), Int32(iv.count), nil) == 1,
              EVP_DecryptInit_ex(ctx, nil, nil, key, iv) == 1 else { return nil }
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &len, associatedData, Int32(associatedData.count)) == 1 else { return nil }
        }
        let ok1 = out.withUnsafeMutableBufferPointer { o in EVP_DecryptUpdate(ctx, o.baseAddress, &len, body, Int32(body.count)) }
        guard ok1 == 1 else { return nil }
        let total = Int(len)
        guard EVP_CIPHER_CTX_ctrl(ctx, pg_EVP_CTRL_GCM_SET_TAG(), Int32(Self.tagLength), &tag) == 1 else { return nil }
        let ok2 = out.withUnsafeMutableBufferPointer { o in EVP_DecryptFinal_ex(ctx, o.baseAddress! + total, &len) }
        guard ok2 == 1 else { return nil }
        return Array(out.prefix(total + Int(len)))
    }
}

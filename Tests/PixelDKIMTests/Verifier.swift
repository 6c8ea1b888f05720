// Verifier: a test-only DKIM checker built on OpenSSL EVP_DigestVerify, used to prove that what
// the signer writes verifies (dkimpy does the same independently in e2e/test_20_dkim.py).
import COpenSSL
import Foundation
import PixelCrypto
import PixelDKIM

enum TestVerifier {
    /// EVP_DigestVerify with the public key as DKIM publishes it.
    static func verify(algorithm: DKIMAlgorithm, publicKey: [UInt8], data: [UInt8], signature: [UInt8]) -> Bool {
        let pkey: OpaquePointer?
        switch algorithm {
        case .rsaSHA256:
            pkey = publicKey.withUnsafeBufferPointer { b -> OpaquePointer? in
                var p: UnsafePointer<UInt8>? = b.baseAddress
                return d2i_PUBKEY(nil, &p, b.count)
            }
        case .ed25519SHA256:
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, publicKey.count)
        }
        guard let pkey, let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_PKEY_free(pkey); EVP_MD_CTX_free(ctx) }
        let tbs = algorithm == .ed25519SHA256 ? Digest.sha256(data) : data
        guard EVP_DigestVerifyInit(ctx, nil, algorithm == .rsaSHA256 ? EVP_sha256() : nil, nil, pkey) == 1 else { return false }
        return EVP_DigestVerify(ctx, signature, signature.count, tbs, tbs.count) == 1
    }

    /// Verifies the `index`-th DKIM-Signature of `message` (body hash and signature).
    static func verifyMessage(_ message: [UInt8], index: Int, key: SigningKey) throws -> Bool {
        var sc = HeaderBlockScanner()
        let off = message.withUnsafeBytes { sc.feed($0) } ?? message.count
        let block = sc.bytes
        let fields = HeaderFields.split(block)
        let sigField = fields.filter { $0.isNamed("dkim-signature") }[index]
        let tags = try TagList.parse(HeaderFields.value(block, sigField))
        let c = (tags.value("c") ?? "simple/simple").split(separator: "/").map(String.init)
        let hc = Canonicalization(rawValue: c[0])!
        let bc = Canonicalization(rawValue: c.count > 1 ? c[1] : "simple")!
        let h = BodyHasher(bc)
        h.update(Array(message[off...]))
        guard Data(h.finish()).base64EncodedString() == tags.value("bh") else { return false }
        let names = tags.value("h")!.split(separator: ":").map(String.init)
        let input = SignatureInput.build(block: block, fields: fields, names: names, signatureField: Array(block[sigField.range]), canonicalization: hc)
        let sig = [UInt8](Data(base64Encoded: tags.value("b")!)!)
        return verify(algorithm: key.algorithm, publicKey: try key.publicKeyBytes(), data: input, signature: sig)
    }
}

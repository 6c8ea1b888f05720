// Digest: SHA-256 / SHA-1 / MD5 and HMAC-SHA256 through OpenSSL EVP.
// Contract: pure functions over bytes; never hand-written crypto. Hex output is lower case.
import COpenSSL

public enum DigestAlgorithm: Sendable {
    case md5, sha1, sha256

    var evp: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }
}

public enum Digest {
    /// The digest of `bytes`.
    public static func hash<C: Collection>(_ algorithm: DigestAlgorithm, _ bytes: C) -> [UInt8] where C.Element == UInt8 {
        let input = Array(bytes)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        let ok = input.withUnsafeBytes { inp in
            out.withUnsafeMutableBytes { o in
                EVP_Digest(inp.baseAddress, inp.count, o.baseAddress!.assumingMemoryBound(to: UInt8.self), &len, algorithm.evp, nil)
            }
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out.prefix(Int(len)))
    }

    public static func sha256<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 { hash(.sha256, bytes) }

    public static func sha256Hex(_ string: String) -> String { hex(sha256(Array(string.utf8))) }

    /// HMAC-SHA256(key, message).
    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                         m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &len)
            }
        }
        return out
    }

    /// Lower-case hex.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var s = [UInt8]()
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }

    /// Constant-time equality.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}

/// An incremental SHA-256, for hashing a spooled body without holding it twice.
public struct SHA256Stream: ~Copyable {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out
    }

    deinit { EVP_MD_CTX_free(ctx) }
}

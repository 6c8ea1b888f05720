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
        hex(Array(bytes))
    }

    /// Lower-case hex of an array: the concrete overload callers in other modules get (the generic
    /// one runs unspecialised across modules, about 600 instructions a byte).
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { input in
            String(unsafeUninitializedCapacity: input.count * 2) { out in
                var i = 0
                for b in input {
                    out[i] = hexDigit(b >> 4)
                    out[i + 1] = hexDigit(b & 15)
                    i += 2
                }
                return i
            }
        }
    }

    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

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

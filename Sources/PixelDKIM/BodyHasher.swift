// BodyHasher: RFC 6376 §3.4.3/§3.4.4 body canonicalisation and hashing, streaming over chunks.
// Contract: `update` may be called with any split of the body (a CRLF split across two chunks is
// handled); nothing is copied beyond a bounded staging buffer, so a 10 MB body costs 10 MB of
// hashing and no extra memory. Bare LF counts as a line end (emitted as CRLF). Trailing empty
// lines are dropped; simple turns an empty body into one CRLF, relaxed leaves it empty. `limit`
// (the l= tag of an existing signature) hashes only that many canonical bytes. Digests are
// computed by OpenSSL EVP; nothing is hand-written.
import COpenSSL

public enum DKIMHash: String, Sendable {
    case sha256, sha1

    var evp: OpaquePointer? { self == .sha256 ? EVP_sha256() : EVP_sha1() }
}

/// An incremental EVP digest.
final class DigestStream {
    private let ctx: OpaquePointer

    init(_ hash: DKIMHash) {
        ctx = EVP_MD_CTX_new()!
        precondition(EVP_DigestInit_ex(ctx, hash.evp, nil) == 1, "EVP_DigestInit_ex failed")
    }

    func update(_ p: UnsafeRawPointer, _ n: Int) {
        if n > 0 { EVP_DigestUpdate(ctx, p, n) }
    }

    func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return Array(out.prefix(Int(len)))
    }

    deinit { EVP_MD_CTX_free(ctx) }
}

/// Canonicalises a body given in chunks and hashes the result.
public final class BodyHasher {
    public let canonicalization: Canonicalization
    public let hash: DKIMHash
    public let limit: Int?
    private let digest: DigestStream
    private static let stagingSize = 64 * 1024

    /// The canonicaliser's state between chunks (kept in locals while a chunk is processed).
    private struct State {
        var pendingCR = false
        var pendingWSP = false
        var lineStarted = false
        var blankLines = 0
        var emittedAny = false
    }

    /// The staging buffer: canonical bytes waiting to be hashed.
    private struct Out {
        let p: UnsafeMutablePointer<UInt8>
        var n = 0

        @inline(__always) mutating func put(_ b: UInt8, _ h: BodyHasher) {
            if n == BodyHasher.stagingSize { h.hashStaged(n); n = 0 }
            p[n] = b
            n += 1
        }

        @inline(__always) mutating func put(_ src: UnsafePointer<UInt8>, _ count: Int, _ h: BodyHasher) {
            var src = src, count = count
            while count > 0 {
                if n == BodyHasher.stagingSize { h.hashStaged(n); n = 0 }
                let k = Swift.min(count, BodyHasher.stagingSize - n)
                (p + n).update(from: src, count: k)
                n += k
                src += k
                count -= k
            }
        }
    }

    private var state = State()
    private var out: Out
    /// Canonical bytes hashed so far (bounded by `limit`).
    public private(set) var canonicalLength = 0

    public init(_ c: Canonicalization, hash: DKIMHash = .sha256, limit: Int? = nil) {
        canonicalization = c
        self.hash = hash
        self.limit = limit
        digest = DigestStream(hash)
        out = Out(p: .allocate(capacity: Self.stagingSize))
    }

    deinit { out.p.deallocate() }

    public func update(_ buf: UnsafeRawBufferPointer) {
        guard let base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self), buf.count > 0 else { return }
        let relaxed = canonicalization == .relaxed
        let n = buf.count
        var st = state
        var o = out
        var i = 0
        while i < n {
            if st.pendingCR {
                st.pendingCR = false
                if base[i] == 0x0A { Self.endLine(&st, &o, self); i += 1; continue }
                Self.begin(&st, &o, self)
                o.put(0x0D, self)                 // a lone CR is content; base[i] is read next
            }
            // A run of ordinary bytes is copied in one go.
            var j = i
            if relaxed {
                while j < n, base[j] != 0x0D, base[j] != 0x0A, base[j] != 0x20, base[j] != 0x09 { j += 1 }
            } else {
                while j < n, base[j] != 0x0D, base[j] != 0x0A { j += 1 }
            }
            if j > i {
                Self.begin(&st, &o, self)
                o.put(base + i, j - i, self)
                i = j
            } else {
                switch base[i] {
                case 0x0D: st.pendingCR = true
                case 0x0A: Self.endLine(&st, &o, self)
                default: st.pendingWSP = true        // SP or TAB, relaxed only
                }
                i += 1
            }
        }
        state = st
        out = o
    }

    @inline(__always) private static func begin(_ st: inout State, _ o: inout Out, _ h: BodyHasher) {
        if !st.lineStarted {
            while st.blankLines > 0 { o.put(0x0D, h); o.put(0x0A, h); st.blankLines -= 1 }
            st.lineStarted = true
        }
        if st.pendingWSP { o.put(0x20, h); st.pendingWSP = false }
        st.emittedAny = true
    }

    @inline(__always) private static func endLine(_ st: inout State, _ o: inout Out, _ h: BodyHasher) {
        st.pendingWSP = false
        if st.lineStarted { o.put(0x0D, h); o.put(0x0A, h); st.lineStarted = false } else { st.blankLines += 1 }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The body hash; the hasher must not be used afterwards.
    public func finish() -> [UInt8] {
        var st = state
        var o = out
        if st.pendingCR { st.pendingCR = false; Self.begin(&st, &o, self); o.put(0x0D, self) }
        if st.lineStarted { o.put(0x0D, self); o.put(0x0A, self); st.lineStarted = false; st.emittedAny = true }
        if canonicalization == .simple && !st.emittedAny { o.put(0x0D, self); o.put(0x0A, self) }
        hashStaged(o.n)
        o.n = 0
        state = st
        out = o
        return digest.finish()
    }

    /// Hashes the first `count` staged bytes, up to `limit` in total.
    private func hashStaged(_ count: Int) {
        var k = count
        if let limit { k = Swift.max(0, Swift.min(k, limit - canonicalLength)) }
        if k > 0 { digest.update(out.p, k) }
        canonicalLength += k
    }
}

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
    private var state = State()
    private var staging: [UInt8] = []
    /// Canonical bytes hashed so far (bounded by `limit`).
    public private(set) var canonicalLength = 0

    public init(_ c: Canonicalization, hash: DKIMHash = .sha256, limit: Int? = nil) {
        canonicalization = c
        self.hash = hash
        self.limit = limit
        digest = DigestStream(hash)
        staging.reserveCapacity(Self.stagingSize + 1024)
    }

    public func update(_ buf: UnsafeRawBufferPointer) {
        guard let base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self), buf.count > 0 else { return }
        let relaxed = canonicalization == .relaxed
        let n = buf.count
        var st = state
        var out = staging
        staging = []
        var i = 0
        while i < n {
            if st.pendingCR {
                st.pendingCR = false
                if base[i] == 0x0A { Self.endLine(&st, &out); i += 1; continue }
                Self.begin(&st, &out)
                out.append(0x0D)                  // a lone CR is content; base[i] is read next
            }
            // A run of ordinary bytes is copied in one go.
            var j = i
            if relaxed {
                while j < n, base[j] != 0x0D, base[j] != 0x0A, base[j] != 0x20, base[j] != 0x09 { j += 1 }
            } else {
                while j < n, base[j] != 0x0D, base[j] != 0x0A { j += 1 }
            }
            if j > i {
                Self.begin(&st, &out)
                out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i))
                i = j
            } else {
                switch base[i] {
                case 0x0D: st.pendingCR = true
                case 0x0A: Self.endLine(&st, &out)
                default: st.pendingWSP = true        // SP or TAB, relaxed only
                }
                i += 1
            }
            if out.count >= Self.stagingSize { flush(&out) }
        }
        state = st
        staging = out
    }

    @inline(__always) private static func begin(_ st: inout State, _ out: inout [UInt8]) {
        if !st.lineStarted {
            while st.blankLines > 0 { out.append(0x0D); out.append(0x0A); st.blankLines -= 1 }
            st.lineStarted = true
        }
        if st.pendingWSP { out.append(0x20); st.pendingWSP = false }
        st.emittedAny = true
    }

    @inline(__always) private static func endLine(_ st: inout State, _ out: inout [UInt8]) {
        st.pendingWSP = false
        if st.lineStarted { out.append(0x0D); out.append(0x0A); st.lineStarted = false } else { st.blankLines += 1 }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The body hash; the hasher must not be used afterwards.
    public func finish() -> [UInt8] {
        var out = staging
        staging = []
        if state.pendingCR { state.pendingCR = false; Self.begin(&state, &out); out.append(0x0D) }
        if state.lineStarted { out += [0x0D, 0x0A]; state.lineStarted = false; state.emittedAny = true }
        if canonicalization == .simple && !state.emittedAny { out += [0x0D, 0x0A] }
        flush(&out)
        return digest.finish()
    }

    /// Hashes `out` (up to `limit` in total) and empties it.
    private func flush(_ out: inout [UInt8]) {
        var n = out.count
        if let limit { n = Swift.max(0, Swift.min(n, limit - canonicalLength)) }
        if n > 0 { out.withUnsafeBytes { digest.update($0.baseAddress!, n) } }
        canonicalLength += n
        out.removeAll(keepingCapacity: true)
    }
}

// TLSContext: an OpenSSL SSL_CTX configured for one side of a connection, plus the TLS policy enum.
// Contract: TLS 1.2 is the minimum; a server context loads a certificate chain and key (and, for
// client-certificate checks, a CA file); a client context trusts the system store or a CA file and
// verifies the peer only when asked. Failures are `NetError.config`/`.tls` with OpenSSL's message.
import COpenSSL

/// `none|may|encrypt|verify`, for either side of the relay.
public enum TLSPolicy: String, Sendable, CaseIterable {
    /// Never use TLS.
    case none
    /// Use TLS when offered, without verifying the peer.
    case may
    /// Require TLS, without verifying the peer.
    case encrypt
    /// Require TLS and a verified peer certificate (hostname checked on the client side).
    case verify
}

/// Owns one SSL_CTX (freed at deinit). Thread-safe to share once built.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    /// Client side: check the peer's certificate chain and hostname.
    public let verifyPeer: Bool

    private init(ctx: OpaquePointer, verifyPeer: Bool) {
        self.ctx = ctx
        self.verifyPeer = verifyPeer
    }

    deinit { SSL_CTX_free(ctx) }

    /// A server context from PEM files. With `clientCAFile`, a client certificate is required and checked.
    public static func server(certFile: String, keyFile: String, clientCAFile: String? = nil) throws(NetError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw .tls(opensslError()) }
        let c = TLSContext(ctx: ctx, verifyPeer: clientCAFile != nil)
        try c.common()
        guard SSL_CTX_use_certificate_chain_file(ctx, certFile) == 1 else { throw .config("TLS certificate \(certFile): \(opensslError())") }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else { throw .config("TLS key \(keyFile): \(opensslError())") }
        guard SSL_CTX_check_private_key(ctx) == 1 else { throw .config("TLS key \(keyFile) does not match \(certFile)") }
        if let ca = clientCAFile {
            guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else { throw .config("TLS CA file \(ca): \(opensslError())") }
            if let names = SSL_load_client_CA_file(ca) { SSL_CTX_set_client_CA_list(ctx, names) }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
        return c
    }

    /// A client context. `verify` checks the chain (system store, or `caFile`) and, per connection, the hostname.
    /// With `certFile`/`keyFile`, the client presents that certificate when the server asks.
    public static func client(verify: Bool, caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) throws(NetError) -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw .tls(opensslError()) }
        let c = TLSContext(ctx: ctx, verifyPeer: verify)
        try c.common()
        if let certFile, let keyFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, certFile) == 1 else { throw .config("TLS certificate \(certFile): \(opensslError())") }
            guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else { throw .config("TLS key \(keyFile): \(opensslError())") }
        }
        if let ca = caFile, !ca.isEmpty {
            guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else { throw .config("TLS CA file \(ca): \(opensslError())") }
        } else {
            SSL_CTX_set_default_verify_paths(ctx)
        }
        SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        return c
    }

    private func common() throws(NetError) {
        guard pg_SSL_CTX_set_min_proto_version(ctx, pg_TLS1_2_VERSION()) == 1 else { throw .tls(opensslError()) }
        _ = pg_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }
}

/// The most recent OpenSSL error queue entries as text (and clears the queue).
func opensslError() -> String {
    var parts: [String] = []
    while true {
        let e = ERR_get_error()
        if e == 0 { break }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(e, &buf, buf.count)
        parts.append(cString(buf))
    }
    return parts.isEmpty ? "unknown error" : parts.joined(separator: "; ")
}

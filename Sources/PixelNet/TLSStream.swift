// TLSStream: TLS over an existing TCPStream (after STARTTLS), with poll()-based deadlines.
// Contract: the handshake, every read and every write loop on SSL_ERROR_WANT_READ/WANT_WRITE with
// poll() until the deadline; the client side sends SNI and, when the context verifies, checks the
// hostname with SSL_set1_host. The SSL object is freed exactly once (deinit); `close()` sends
// close_notify once and shuts the socket down. One thread uses a stream at a time.
import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class TLSStream: ByteStream, @unchecked Sendable {
    private let tcp: TCPStream
    private let ssl: OpaquePointer
    private var closed = false
    public var isEncrypted: Bool { true }
    public var peer: SocketAddress { tcp.peer }

    private init(tcp: TCPStream, ssl: OpaquePointer) {
        self.tcp = tcp
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }

    /// Server side of a handshake on `tcp`.
    public static func accept(over tcp: TCPStream, context: TLSContext, deadline: Deadline) throws(NetError) -> TLSStream {
        guard let ssl = SSL_new(context.ctx) else { throw .tls(opensslError()) }
        let s = TLSStream(tcp: tcp, ssl: ssl)
        SSL_set_fd(ssl, tcp.rawDescriptor)
        SSL_set_accept_state(ssl)
        try s.handshake(deadline: deadline)
        return s
    }

    /// Client side of a handshake on `tcp`; `serverName` is sent as SNI and checked when verifying.
    public static func connect(over tcp: TCPStream, context: TLSContext, serverName: String, deadline: Deadline) throws(NetError) -> TLSStream {
        guard let ssl = SSL_new(context.ctx) else { throw .tls(opensslError()) }
        let s = TLSStream(tcp: tcp, ssl: ssl)
        SSL_set_fd(ssl, tcp.rawDescriptor)
        SSL_set_connect_state(ssl)
        if IPNetwork.parseAddress(serverName) == nil, !serverName.isEmpty {
            _ = pg_SSL_set_tlsext_host_name(ssl, serverName)
        }
        if context.verifyPeer {
            guard SSL_set1_host(ssl, serverName) == 1 else { throw .tls("cannot set host name \(serverName)") }
        }
        try s.handshake(deadline: deadline)
        return s
    }

    private func handshake(deadline: Deadline) throws(NetError) {
        while true {
            ERR_clear_error()
            let r = SSL_do_handshake(ssl)
            if r == 1 { return }
            try waitOrThrow(result: r, deadline: deadline, op: "handshake")
        }
    }

    /// Polls for WANT_READ/WANT_WRITE; throws for anything else.
    private func waitOrThrow(result: Int32, deadline: Deadline, op: String) throws(NetError) {
        let err = SSL_get_error(ssl, result)
        switch err {
        case SSL_ERROR_WANT_READ:
            try pollWait(tcp.rawDescriptor, events: Int16(POLLIN), deadline: deadline)
        case SSL_ERROR_WANT_WRITE:
            try pollWait(tcp.rawDescriptor, events: Int16(POLLOUT), deadline: deadline)
        case SSL_ERROR_ZERO_RETURN:
            throw .closed
        case SSL_ERROR_SYSCALL:
            let q = opensslError()
            throw q == "unknown error" ? .closed : .tls("\(op): \(q)")
        default:
            var msg = opensslError()
            let v = SSL_get_verify_result(ssl)
            if v != X509_V_OK { msg = "certificate verify failed: " + String(cString: X509_verify_cert_error_string(v)) }
            throw .tls("\(op): \(msg)")
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int {
        guard buffer.count > 0 else { return 0 }
        if closed { throw .closed }
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return Int(n) }
            do throws(NetError) {
                try waitOrThrow(result: n, deadline: deadline, op: "read")
            } catch {
                if error == .closed { return 0 }
                throw error
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(NetError) {
        if closed { throw .closed }
        var off = 0
        while off < bytes.count {
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress! + off, Int32(clamping: bytes.count - off))
            if n > 0 { off += Int(n); continue }
            try waitOrThrow(result: n, deadline: deadline, op: "write")
        }
    }

    public func close() {
        guard !closed else { return }
        closed = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)  // one try at close_notify; the socket is non-blocking
        ERR_clear_error()
        tcp.close()
    }

    /// e.g. "TLSv1.3".
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// e.g. "TLS_AES_256_GCM_SHA384".
    public var cipher: String {
        guard let c = SSL_get_current_cipher(ssl), let n = SSL_CIPHER_get_name(c) else { return "unknown" }
        return String(cString: n)
    }

    /// True when the peer sent a certificate that verified against the context's trust.
    public var peerVerified: Bool {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return false }
        X509_free(cert)
        return SSL_get_verify_result(ssl) == X509_V_OK
    }
}

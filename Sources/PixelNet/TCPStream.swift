// TCPStream: a plain TCP connection over a non-blocking socket, waiting with poll() for deadlines.
// Contract: owns its descriptor (FileDescriptor, closed once in deinit); `close()` only shuts the
// socket down, so a reader blocked in poll() on another thread wakes up safely. Writes use
// MSG_NOSIGNAL. `connect(host:port:timeout:)` tries every getaddrinfo address in order.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class TCPStream: ByteStream, @unchecked Sendable {
    private let fd: FileDescriptor
    public let peer: SocketAddress
    private let lock = PThreadLock()
    private var shut = false

    public var isEncrypted: Bool { false }
    /// The raw descriptor, for TLSStream (which shares this stream's lifetime).
    public var rawDescriptor: Int32 { fd.raw }

    init(fd: consuming FileDescriptor, peer: SocketAddress) {
        self.fd = fd
        self.peer = peer
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if lock.withLock({ shut }) { throw .closed }
            let n = recv(fd.raw, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            let e = errno
            switch e {
            case EAGAIN, EWOULDBLOCK: try pollWait(fd.raw, events: Int16(POLLIN), deadline: deadline)
            case EINTR: continue
            case ECONNRESET, EPIPE, ENOTCONN: throw .closed
            default: throw .system("recv", e)
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(NetError) {
        var off = 0
        while off < bytes.count {
            if lock.withLock({ shut }) { throw .closed }
            let n = send(fd.raw, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
            if n >= 0 { off += n; continue }
            let e = errno
            switch e {
            case EAGAIN, EWOULDBLOCK: try pollWait(fd.raw, events: Int16(POLLOUT), deadline: deadline)
            case EINTR: continue
            case ECONNRESET, EPIPE, ENOTCONN: throw .closed
            default: throw .system("send", e)
            }
        }
    }

    public func close() {
        let first = lock.withLock { () -> Bool in
            defer { shut = true }
            return !shut
        }
        if first { _ = shutdown(fd.raw, Int32(SHUT_RDWR)) }
    }

    /// Connects to the first address of `host` that answers, each attempt bounded by `timeout`.
    public static func connect(host: String, port: Int, timeout: Double) throws(NetError) -> TCPStream {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else { throw .resolve("\(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(first) }
        var lastError = NetError.connect("\(host):\(port): no address")
        var cur: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cur {
            cur = ai.pointee.ai_next
            let deadline = Deadline.after(seconds: timeout)
            do throws(NetError) {
                return try attempt(ai.pointee, deadline: deadline)
            } catch {
                lastError = error == .timeout ? .connect("\(host):\(port): timed out") : error
            }
        }
        throw lastError
    }

    private static func attempt(_ ai: addrinfo, deadline: Deadline) throws(NetError) -> TCPStream {
        let s = socket(ai.ai_family, ai.ai_socktype, ai.ai_protocol)
        guard s >= 0 else { throw .system("socket", errno) }
        let fd = FileDescriptor(owning: s)
        try fd.setNonBlocking()
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: ai.ai_addr, count: Int(ai.ai_addrlen)))
        }
        let peer = withUnsafePointer(to: &storage) { SocketAddress(storage: $0) } ?? SocketAddress(host: "?", port: 0, isIPv6: false)
        if Glibc.connect(s, ai.ai_addr, ai.ai_addrlen) != 0 {
            let e = errno
            guard e == EINPROGRESS || e == EINTR else { throw .connect("\(peer): \(String(cString: strerror(e)))") }
            try pollWait(s, events: Int16(POLLOUT), deadline: deadline)
            var soErr: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(s, SOL_SOCKET, SO_ERROR, &soErr, &len)
            if soErr != 0 { throw .connect("\(peer): \(String(cString: strerror(soErr)))") }
        }
        setNoDelay(s)
        return TCPStream(fd: fd, peer: peer)
    }
}

func setNoDelay(_ s: Int32) {
    var one: Int32 = 1
    _ = setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
}

/// A tiny pthread mutex, for the few shared flags in PixelNet.
public final class PThreadLock: @unchecked Sendable {
    private var m = pthread_mutex_t()
    public init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

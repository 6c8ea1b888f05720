// Listener: a bound, listening TCP socket (IPv4 or IPv6) with SO_REUSEADDR and a backlog.
// Contract: `bind(host:port:)` resolves a numeric or named host ("0.0.0.0", "::", "localhost");
// an IPv6 listener is IPv6-only so v4 and v6 can be bound side by side. `accept(deadline:)` returns
// nil when the deadline passes with no client, so an accept loop can notice a stop request.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class Listener: @unchecked Sendable {
    private let fd: FileDescriptor
    /// The bound address (port is the real one when 0 was asked).
    public let address: SocketAddress

    private init(fd: consuming FileDescriptor, address: SocketAddress) {
        self.fd = fd
        self.address = address
    }

    public static func bind(host: String, port: Int, backlog: Int32 = 128) throws(NetError) -> Listener {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &res)
        guard rc == 0, let ai = res else { throw .resolve("\(host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(ai) }
        let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
        guard s >= 0 else { throw .system("socket", errno) }
        let fd = FileDescriptor(owning: s)
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if ai.pointee.ai_family == AF_INET6 {
            setsockopt(s, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard Glibc.bind(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else {
            throw .system("bind \(host):\(port)", errno)
        }
        guard listen(s, backlog) == 0 else { throw .system("listen", errno) }
        try fd.setNonBlocking()
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        guard ok == 0, let addr = withUnsafePointer(to: &storage, { SocketAddress(storage: $0) }) else {
            throw .system("getsockname", errno)
        }
        return Listener(fd: fd, address: addr)
    }

    /// Waits for one client until `deadline`; nil when none came.
    public func accept(deadline: Deadline) throws(NetError) -> TCPStream? {
        while true {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let c = withUnsafeMutablePointer(to: &storage) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd.raw, $0, &len) }
            }
            if c >= 0 {
                let cfd = FileDescriptor(owning: c)
                try cfd.setNonBlocking()
                setNoDelay(c)
                let peer = withUnsafePointer(to: &storage) { SocketAddress(storage: $0) } ?? SocketAddress(host: "unknown", port: 0, isIPv6: false)
                return TCPStream(fd: cfd, peer: peer)
            }
            let e = errno
            switch e {
            case EAGAIN, EWOULDBLOCK:
                do throws(NetError) {
                    try pollWait(fd.raw, events: Int16(POLLIN), deadline: deadline)
                } catch {
                    if error == .timeout { return nil }
                    throw error
                }
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors: back off briefly instead of spinning.
                usleep(100_000)
                return nil
            default:
                throw .system("accept", e)
            }
        }
    }
}

// SocketAddress: a numeric IPv4/IPv6 address and port, converted from and to sockaddr storage.
// Contract: `host` is always numeric (inet_ntop), IPv4-mapped IPv6 addresses are shown as IPv4.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var isIPv6: Bool

    public init(host: String, port: Int, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    /// "1.2.3.4:25" or "[::1]:25".
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    init?(storage: UnsafePointer<sockaddr_storage>) {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var p = 0
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let ok: Bool = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var a = sin.pointee.sin_addr
                p = Int(UInt16(bigEndian: sin.pointee.sin_port))
                return inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) != nil
            }
            guard ok else { return nil }
            host = cString(buf)
            isIPv6 = false
        case AF_INET6:
            let ok: Bool = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                var a = sin.pointee.sin6_addr
                p = Int(UInt16(bigEndian: sin.pointee.sin6_port))
                return inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil
            }
            guard ok else { return nil }
            let s = cString(buf)
            if s.hasPrefix("::ffff:"), s.contains(".") {
                host = String(s.dropFirst(7))
                isIPv6 = false
            } else {
                host = s
                isIPv6 = true
            }
        default:
            return nil
        }
        port = p
    }

    /// Splits "host:port", "[v6]:port" or "v6-without-port-brackets" is refused. Port 0...65535.
    public static func parseHostPort(_ s: String) -> (host: String, port: Int)? {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p), !host.isEmpty else { return nil }
            return (host, p)
        }
        guard let colon = s.lastIndex(of: ":") else { return nil }
        let host = String(s[..<colon])
        guard !host.isEmpty, !host.contains(":"), let p = Int(s[s.index(after: colon)...]), (0...65535).contains(p) else { return nil }
        return (host, p)
    }
}

/// A String from a NUL-terminated C buffer.
func cString(_ buf: [CChar]) -> String {
    buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

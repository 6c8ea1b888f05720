// SystemdNotify: sends sd_notify messages ("READY=1", "STOPPING=1") as AF_UNIX datagrams to
// $NOTIFY_SOCKET, without libsystemd. Supports filesystem paths and the abstract namespace ("@...").
// Contract: a no-op returning `.notConfigured` when NOTIFY_SOCKET is unset; never throws or blocks.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum NotifyResult: Sendable, Equatable {
    case sent
    case notConfigured
    case failed(String)
}

public enum SystemdNotify {
    /// Sends `state` (e.g. "READY=1") to the socket named by NOTIFY_SOCKET (or `socketPath`).
    @discardableResult
    public static func send(_ state: String, socketPath: String? = nil) -> NotifyResult {
        let env = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        guard let path = socketPath ?? env, !path.isEmpty else { return .notConfigured }
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        var addr = sockaddr_un()
        let cap = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < cap else { return .failed("NOTIFY_SOCKET path too long") }
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return .failed("socket: errno \(errno)") }
        let fd = FileDescriptor(owning: s)
        let msg = Array(state.utf8)
        let n = withUnsafePointer(to: &addr) { ap in
            ap.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                sendto(fd.raw, msg, msg.count, Int32(MSG_NOSIGNAL), sa, len)
            }
        }
        return n == msg.count ? .sent : .failed("sendto: \(String(cString: strerror(errno)))")
    }
}

// NetError: every failure PixelNet reports, as a typed enum (no magic return values).
// Contract: `.timeout` means a deadline passed; `.closed` means the peer closed or reset the
// connection; `.system` carries the failing call and errno; `.tls` carries OpenSSL's message.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum NetError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    case closed
    case system(String, Int32)
    case resolve(String)
    case connect(String)
    case tls(String)
    case config(String)

    public var description: String {
        switch self {
        case .timeout: return "timed out"
        case .closed: return "connection closed by peer"
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .resolve(let m): return "cannot resolve: \(m)"
        case .connect(let m): return "cannot connect: \(m)"
        case .tls(let m): return "TLS: \(m)"
        case .config(let m): return m
        }
    }
}

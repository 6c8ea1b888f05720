// IPNetwork: a CIDR block ("127.0.0.0/8", "::1/128", or a bare address) and membership tests.
// Contract: parsing is strict (inet_pton); an IPv4 address also matches as its IPv4-mapped IPv6
// form; a malformed address never matches anything.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes.
    public let bytes: [UInt8]
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let addr = IPNetwork.parseAddress(String(parts[0])) else { return nil }
        var pfx = addr.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...addr.count * 8).contains(p) else { return nil }
            pfx = p
        }
        bytes = addr
        prefix = pfx
    }

    public var description: String {
        var buf = [CChar](repeating: 0, count: 64)
        var b = bytes
        _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, &b, &buf, 64)
        return cString(buf) + "/\(prefix)"
    }

    /// 4 bytes for IPv4, 16 for IPv6, nil when not a numeric address.
    public static func parseAddress(_ s: String) -> [UInt8]? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, s, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        var t = s
        if let pct = t.firstIndex(of: "%") { t = String(t[..<pct]) }  // zone id
        if inet_pton(AF_INET6, t, &v6) == 1 { return v6 }
        return nil
    }

    public func contains(_ address: String) -> Bool {
        guard var a = IPNetwork.parseAddress(address) else { return false }
        if a.count == 16 && bytes.count == 4 && a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff {
            a = Array(a[12..<16])
        }
        guard a.count == bytes.count else { return false }
        var bits = prefix
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if a[i] & mask != bytes[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }
}

/// A list of networks: `contains` when any of them does.
public struct IPNetworkList: Sendable, Equatable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork]) { self.networks = networks }

    /// Parses every entry or names the first bad one.
    public static func parse(_ entries: [String]) -> Result<IPNetworkList, NetError> {
        var out: [IPNetwork] = []
        for e in entries {
            guard let n = IPNetwork(e.trimmedSpaces()) else { return .failure(.config("not a network: \"\(e)\"")) }
            out.append(n)
        }
        return .success(IPNetworkList(out))
    }

    public func contains(_ address: String) -> Bool { networks.contains { $0.contains(address) } }
}

extension String {
    func trimmedSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

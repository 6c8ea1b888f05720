// ReceivedHeader: the trace header the relay prepends to every outgoing variant (RFC 5321 4.4).
// Contract: `from HELO (NAME [ADDR])` comes from XFORWARD values when the client sent them, else
// from the connection; `with` is ESMTP/ESMTPS/ESMTPA/ESMTPSA (or LMTP..., SMTP for HELO);
// the date is RFC 5322 in UTC; folded lines, CRLF endings, only printable ASCII.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct ReceivedHeader: Sendable {
    public var helo: String?
    public var clientName: String?
    public var clientAddress: String
    public var byHost: String
    public var protocolName: String
    public var sessionID: String

    public init(helo: String?, clientName: String?, clientAddress: String, byHost: String, protocolName: String, sessionID: String) {
        self.helo = helo
        self.clientName = clientName
        self.clientAddress = clientAddress
        self.byHost = byHost
        self.protocolName = protocolName
        self.sessionID = sessionID
    }

    /// "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA", "LMTP...", or "SMTP" after HELO.
    public static func protocolName(lmtp: Bool, extended: Bool, tls: Bool, authenticated: Bool) -> String {
        var p = lmtp ? "LMTP" : (extended ? "ESMTP" : "SMTP")
        if p != "SMTP" {
            if tls { p += "S" }
            if authenticated { p += "A" }
        }
        return p
    }

    public func encoded(at time: time_t = time(nil)) -> [UInt8] {
        let from = Self.clean(helo ?? "unknown")
        let name = Self.clean(clientName ?? "unknown")
        let addr = (clientAddress.contains(":") ? "IPv6:" : "") + Self.clean(clientAddress)
        var s = "Received: from \(from) (\(name) [\(addr)])\r\n"
        s += "\tby \(Self.clean(byHost)) (pixelgate) with \(protocolName) id \(Self.clean(sessionID));\r\n"
        s += "\t\(Self.rfc5322Date(time))\r\n"
        return Array(s.utf8)
    }

    /// Keeps printable ASCII without parentheses or brackets, at most 255 characters.
    static func clean(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars.prefix(255) {
            if u.value > 0x20 && u.value < 0x7f && u != "(" && u != ")" && u != "[" && u != "]" && u != ";" {
                out.unicodeScalars.append(u)
            } else {
                out.append("?")
            }
        }
        return out.isEmpty ? "unknown" : out
    }

    /// "Mon, 30 Nov 2026 03:00:00 +0000".
    public static func rfc5322Date(_ t: time_t) -> String {
        var tm = tm()
        var tt = t
        gmtime_r(&tt, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(tm.tm_wday)]), \(tm.tm_mday) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) +0000"
    }
}

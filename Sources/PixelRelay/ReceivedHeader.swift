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

    /// The header's bytes. Built straight into one byte array (it runs for every message).
    public func encoded(at time: time_t = time(nil)) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        Self.append("Received: from ", to: &out)
        Self.appendClean(helo ?? "unknown", to: &out)
        Self.append(" (", to: &out)
        Self.appendClean(clientName ?? "unknown", to: &out)
        Self.append(" [", to: &out)
        if clientAddress.utf8.contains(0x3A) { Self.append("IPv6:", to: &out) }  // ':'
        Self.appendClean(clientAddress, to: &out)
        Self.append("])\r\n\tby ", to: &out)
        Self.appendClean(byHost, to: &out)
        Self.append(" (pixelgate) with ", to: &out)
        out.append(contentsOf: protocolName.utf8)
        Self.append(" id ", to: &out)
        Self.appendClean(sessionID, to: &out)
        Self.append(";\r\n\t", to: &out)
        Self.appendDate(time, to: &out)
        Self.append("\r\n", to: &out)
        return out
    }

    /// Keeps printable ASCII without parentheses, brackets or `;`, at most 255 characters (Unicode
    /// scalars); anything else becomes one `?` per scalar; nothing at all becomes "unknown".
    static func clean(_ s: String) -> String {
        var out: [UInt8] = []
        appendClean(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendClean(_ s: String, to out: inout [UInt8]) {
        var scalars = 0
        for b in s.utf8 where b & 0xC0 != 0x80 {  // each scalar's first byte
            if scalars == 255 { break }
            scalars += 1
            let keep = b > 0x20 && b < 0x7F && b != 0x28 && b != 0x29 && b != 0x5B && b != 0x5D && b != 0x3B
            out.append(keep ? b : 0x3F)
        }
        if scalars == 0 { append("unknown", to: &out) }
    }

    @inline(__always)
    static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// "Mon, 30 Nov 2026 03:00:00 +0000".
    public static func rfc5322Date(_ t: time_t) -> String {
        var out: [UInt8] = []
        appendDate(t, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let dayNames: StaticString = "SunMonTueWedThuFriSat"
    private static let monthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

    static func appendDate(_ t: time_t, to out: inout [UInt8]) {
        var tm = tm()
        var tt = t
        gmtime_r(&tt, &tm)
        func name(_ table: StaticString, _ i: Int32) {
            out.append(contentsOf: UnsafeBufferPointer(start: table.utf8Start + Int(i) * 3, count: 3))
        }
        func number(_ v: Int32, pad: Bool) {  // decimal; `pad`: at least two digits
            var x = Int(v)
            if x < 0 { out.append(0x2D); x = -x }
            if pad && x < 10 { out.append(0x30) }
            var div = 1
            while div <= x / 10 { div *= 10 }
            while div > 0 {
                out.append(UInt8(truncatingIfNeeded: 0x30 + x / div % 10))
                div /= 10
            }
        }
        name(dayNames, tm.tm_wday)
        append(", ", to: &out)
        number(tm.tm_mday, pad: false)
        out.append(0x20)
        name(monthNames, tm.tm_mon)
        out.append(0x20)
        number(tm.tm_year + 1900, pad: false)
        out.append(0x20)
        number(tm.tm_hour, pad: true)
        out.append(0x3A)
        number(tm.tm_min, pad: true)
        out.append(0x3A)
        number(tm.tm_sec, pad: true)
        append(" +0000", to: &out)
    }
}

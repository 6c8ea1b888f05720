// ReceivedHeaderTests: the byte-built Received header and date against the String-built ones they
// replaced (kept here as the reference), on random client values and times.
import Foundation
import Testing
@testable import PixelRelay

@Suite struct ReceivedHeaderTests {
    enum Reference {
        static func encoded(_ h: ReceivedHeader, at time: time_t) -> [UInt8] {
            let from = clean(h.helo ?? "unknown")
            let name = clean(h.clientName ?? "unknown")
            let addr = (h.clientAddress.contains(":") ? "IPv6:" : "") + clean(h.clientAddress)
            var s = "Received: from \(from) (\(name) [\(addr)])\r\n"
            s += "\tby \(clean(h.byHost)) (pixelgate) with \(h.protocolName) id \(clean(h.sessionID));\r\n"
            s += "\t\(rfc5322Date(time))\r\n"
            return Array(s.utf8)
        }

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

        static func rfc5322Date(_ t: time_t) -> String {
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

    static func randomValue() -> String {
        let pieces = ["mx", ".", "example", "(", ")", "[", "]", ";", " ", "\t", "\r\n", "é", "日本", "🙂", "\u{0}", "\u{7F}",
                      "192.0.2.1", "2001:db8::1", "-", "_", "~", "\u{301}"]
        var s = (0..<Int.random(in: 0...6)).map { _ in pieces.randomElement()! }.joined()
        if Int.random(in: 0..<20) == 0 { s += String(repeating: Bool.random() ? "a" : "é", count: Int.random(in: 250...260)) }
        return s
    }

    @Test func sameBytesAsTheStringBuilder() {
        for _ in 0..<2_000 {
            let h = ReceivedHeader(helo: Bool.random() ? nil : Self.randomValue(),
                                   clientName: Bool.random() ? nil : Self.randomValue(),
                                   clientAddress: Self.randomValue(), byHost: Self.randomValue(),
                                   protocolName: ["ESMTP", "ESMTPSA", "LMTP", "SMTP"].randomElement()!,
                                   sessionID: Self.randomValue())
            let t = time_t(Int.random(in: 0...4_102_444_800))
            #expect(h.encoded(at: t) == Reference.encoded(h, at: t), "\(h) at \(t)")
        }
    }

    @Test func datesOnEveryFieldBoundary() {
        // Every day of 1970 and 2026 at times that put one and two digits in each field.
        for base in [0, 1_767_225_600] {
            for day in 0..<366 {
                for seconds in [0, 9, 10, 59, 3_599, 3_600, 36_000, 86_399] {
                    let t = time_t(base + day * 86_400 + seconds)
                    #expect(ReceivedHeader.rfc5322Date(t) == Reference.rfc5322Date(t))
                }
            }
        }
        #expect(ReceivedHeader.rfc5322Date(0) == "Thu, 1 Jan 1970 00:00:00 +0000")
    }

    @Test func cleanKeepsOnlySafeASCII() {
        #expect(ReceivedHeader.clean("") == "unknown")
        #expect(ReceivedHeader.clean("a(b)[c];d e") == "a?b??c??d?e")
        #expect(ReceivedHeader.clean("é🙂x") == "??x", "one ? per Unicode scalar")
        #expect(ReceivedHeader.clean(String(repeating: "é", count: 300)) == String(repeating: "?", count: 255))
    }
}

// ResponseWriter: frames a WebResponse as HTTP/1.1 bytes with the security headers every response
// carries (issue 5 "Security"): the CSP, nosniff and no-referrer, plus Date, Content-Length and
// Connection. Guarantees: a handler cannot drop the security headers (they are added here, after the
// handler's own); HEAD responses carry the headers of the GET answer and no body.
import Foundation

enum SecurityHeaders {
    static let all: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
}

enum ResponseWriter {
    private static let security: [UInt8] = Array(SecurityHeaders.all.map { "\($0.0): \($0.1)\r\n" }.joined().utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n\r\n".utf8)
    private static let closeLine = Array("Connection: close\r\n\r\n".utf8)

    static func encode(_ r: WebResponse, keepAlive: Bool, headOnly: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + (headOnly ? 0 : r.body.count))
        out += "HTTP/1.1 \(r.status.rawValue) \(r.status.reason)\r\nDate: \(HTTPDate.now())\r\n".utf8
        for (k, v) in r.headers where !v.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            out += k.utf8
            out += [58, 32]
            out += v.utf8
            out += [13, 10]
        }
        out += security
        out += "Content-Length: \(r.body.count)\r\n".utf8
        out += keepAlive ? keepAliveLine : closeLine
        if !headOnly { out += r.body }
        return out
    }
}

/// The IMF-fixdate of the current second, formatted once per second.
enum HTTPDate {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: (second: Int, text: String) = (-1, "")

    static func now() -> String {
        var t = time(nil)
        let second = Int(t)
        lock.lock(); defer { lock.unlock() }
        if cache.second == second { return cache.text }
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(days[Int(tmv.tm_wday)]), \(two(tmv.tm_mday)) \(months[Int(tmv.tm_mon)]) \(tmv.tm_year + 1900) \(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)) GMT"
        cache = (second, text)
        return text
    }
}

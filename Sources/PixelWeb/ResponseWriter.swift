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
    private static let contentLength = Array("Content-Length: ".utf8)
    /// "HTTP/1.1 302 Found\r\n" and the like, built once.
    private static let statusLines: [HTTPStatus: [UInt8]] = Dictionary(uniqueKeysWithValues: HTTPStatus.allCases.map {
        ($0, Array("HTTP/1.1 \($0.rawValue) \($0.reason)\r\n".utf8))
    })

    private static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        if n >= 10 { appendDecimal(n / 10, to: &out) }
        out.append(UInt8(48 + n % 10))
    }

    static func encode(_ r: WebResponse, keepAlive: Bool, headOnly: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + (headOnly ? 0 : r.body.count))
        out += statusLines[r.status] ?? Array("HTTP/1.1 \(r.status.rawValue) \(r.status.reason)\r\n".utf8)
        out += HTTPDate.line()
        for (k, v) in r.headers where !UTF8Bytes.hasLineBreak(v) {
            out += k.utf8
            out.append(58)
            out.append(32)
            out += v.utf8
            out.append(13)
            out.append(10)
        }
        out += security
        out += contentLength
        appendDecimal(r.body.count, to: &out)
        out.append(13)
        out.append(10)
        out += keepAlive ? keepAliveLine : closeLine
        if !headOnly { out += r.body }
        return out
    }
}

/// The IMF-fixdate of the current second, formatted once per second.
enum HTTPDate {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: (second: Int, text: String) = (-1, "")

    nonisolated(unsafe) private static var lineCache: (second: Int, bytes: [UInt8]) = (-1, [])

    /// "Date: <IMF-fixdate>\r\n" as bytes, built once per second.
    static func line() -> [UInt8] {
        let second = Int(time(nil))
        if let hit = lock.withLock({ lineCache.second == second ? lineCache.bytes : nil }) { return hit }
        let bytes = Array("Date: \(now())\r\n".utf8)
        lock.withLock { lineCache = (second, bytes) }
        return bytes
    }

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

// HTTPMessage: the request and response values PixelWeb's handlers speak, independent of the socket.
// Guarantees: header names are stored lower case; a request's path is split into percent-decoded
// segments once; a response carries its status, headers and body and nothing else (the writer adds
// framing and the security headers).
import Foundation

public enum HTTPStatus: Int, Sendable, CaseIterable {
    case ok = 200, created = 201, found = 302
    case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, methodNotAllowed = 405
    case requestTimeout = 408, payloadTooLarge = 413, uriTooLong = 414, unsupportedMediaType = 415
    case tooManyRequests = 429, headersTooLarge = 431
    case internalError = 500, notImplemented = 501, unavailable = 503, versionNotSupported = 505

    public var reason: String {
        switch self {
        case .ok: return "OK"
        case .created: return "Created"
        case .found: return "Found"
        case .badRequest: return "Bad Request"
        case .unauthorized: return "Unauthorized"
        case .forbidden: return "Forbidden"
        case .notFound: return "Not Found"
        case .methodNotAllowed: return "Method Not Allowed"
        case .requestTimeout: return "Request Timeout"
        case .payloadTooLarge: return "Content Too Large"
        case .uriTooLong: return "URI Too Long"
        case .unsupportedMediaType: return "Unsupported Media Type"
        case .tooManyRequests: return "Too Many Requests"
        case .headersTooLarge: return "Request Header Fields Too Large"
        case .internalError: return "Internal Server Error"
        case .notImplemented: return "Not Implemented"
        case .unavailable: return "Service Unavailable"
        case .versionNotSupported: return "HTTP Version Not Supported"
        }
    }
}

public struct WebRequest: Sendable {
    public var method: String
    /// The raw target as sent ("/p/abc?x=1").
    public var target: String
    /// Percent-decoded path segments, without empty ones ("/api/v1/x" → ["api", "v1", "x"]).
    public var segments: [String]
    public var version: String
    /// Lower-case name → value (repeated fields joined with ", ").
    public var headers: [String: String]
    public var body: [UInt8]
    /// The TCP peer's address (not yet resolved through trusted proxies).
    public var peerIP: String
    /// The client address after trusted-proxy resolution (set by the server).
    public var clientIP: String

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: [String: String] = [:],
                body: [UInt8] = [], peerIP: String = "127.0.0.1") {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.peerIP = peerIP
        self.clientIP = peerIP
        self.segments = WebRequest.splitPath(target)
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Whether the connection stays open after this request (HTTP/1.1 default, HTTP/1.0 opt-in).
    public var keepAlive: Bool {
        let c = headers["connection"] ?? ""
        if version == "HTTP/1.0" { return Self.containsASCII(c, "keep-alive") }
        return !Self.containsASCII(c, "close")
    }

    /// Whether `text` contains the lower-case ASCII `word`, ignoring ASCII case (on bytes).
    static func containsASCII(_ text: String, _ word: StaticString) -> Bool {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard text.utf8.count >= w.count else { return false }
        let t = Array(text.utf8)
        for start in 0...(t.count - w.count) {
            var i = 0
            while i < w.count, (t[start + i] >= 65 && t[start + i] <= 90 ? t[start + i] + 32 : t[start + i]) == w[i] { i += 1 }
            if i == w.count { return true }
        }
        return false
    }

    static func splitPath(_ target: String) -> [String] {
        var t = target
        return t.withUTF8 { splitPath(bytes: $0) }
    }

    /// The segments of the path part (before `?`), on bytes: one String per segment, percent
    /// decoding only for a segment that has a `%` (tokens never do).
    static func splitPath(bytes u: UnsafeBufferPointer<UInt8>) -> [String] {
        let end = UTF8Bytes.firstIndex(of: 0x3F, in: u, from: 0) ?? u.count  // the path ends at "?"
        var out: [String] = []
        var start = 0
        while start <= end {
            let slash = UTF8Bytes.firstIndex(of: 0x2F, in: u, from: start, to: end) ?? end
            if slash > start {
                let segment = UnsafeBufferPointer(rebasing: u[start..<slash])
                let s = String(decoding: segment, as: UTF8.self)
                out.append(UTF8Bytes.firstIndex(of: 0x25, in: segment, from: 0) != nil ? (s.removingPercentEncoding ?? s) : s)
            }
            start = slash + 1
        }
        return out
    }
}

public struct WebResponse: Sendable {
    public var status: HTTPStatus
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func text(_ status: HTTPStatus, _ text: String) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    public static func html(_ status: HTTPStatus, _ html: String) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                    body: Array(html.utf8))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Byte scans for the request path, with memchr, and on Strings' UTF-8 buffers (a native String's
/// view is walked an index at a time, several times slower than its buffer).
enum UTF8Bytes {
    /// The index of the first `byte` in `buf[from..<to]` (`to` defaults to the end), or nil.
    static func firstIndex(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int? = nil) -> Int? {
        let to = to ?? buf.count
        guard from < to, let base = buf.baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// True when `s` holds a CR or an LF.
    static func hasLineBreak(_ s: String) -> Bool {
        if let found = s.utf8.withContiguousStorageIfAvailable({ buf in
            firstIndex(of: 10, in: buf, from: 0) != nil || firstIndex(of: 13, in: buf, from: 0) != nil
        }) { return found }
        return s.utf8.contains { $0 == 13 || $0 == 10 }
    }
}

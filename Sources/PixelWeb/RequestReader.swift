// RequestReader: reads HTTP/1.1 requests off one connection under the configured limits.
// Guarantees: never buffers more than max_request_line + max_header_bytes for a head or more than
// max_body for a body; every read waits at most read_timeout for the whole head (and again for the
// body); a malformed or oversize request is a typed `RequestError` naming the status to answer
// (400, 408, 413, 414, 431, 501, 505), after which the connection must be closed. Bytes after one
// request stay buffered for the next (keep-alive, pipelining).
import Foundation
import PixelNet

public struct RequestLimits: Sendable {
    public var maxRequestLine = 8192
    public var maxHeaderBytes = 16384
    public var maxBody = 65536
    public var readTimeout: Double = 10
    public init() {}
}

public enum RequestError: Error, Equatable {
    /// The peer closed (or stayed idle past the timeout) between requests: close silently.
    case idleClose
    case timeout
    case lineTooLong
    case headersTooLarge
    case bodyTooLarge
    case malformed(String)
    case unsupportedTransferEncoding
    case unsupportedVersion

    public var status: HTTPStatus {
        switch self {
        case .idleClose, .malformed: return .badRequest
        case .timeout: return .requestTimeout
        case .lineTooLong: return .uriTooLong
        case .headersTooLarge: return .headersTooLarge
        case .bodyTooLarge: return .payloadTooLarge
        case .unsupportedTransferEncoding: return .notImplemented
        case .unsupportedVersion: return .versionNotSupported
        }
    }

    public var message: String {
        switch self {
        case .idleClose: return "connection closed"
        case .timeout: return "request not received within read_timeout"
        case .lineTooLong: return "request line longer than max_request_line"
        case .headersTooLarge: return "request headers larger than max_header_bytes"
        case .bodyTooLarge: return "request body larger than max_body"
        case .malformed(let why): return "malformed request: \(why)"
        case .unsupportedTransferEncoding: return "Transfer-Encoding is not supported; send Content-Length"
        case .unsupportedVersion: return "only HTTP/1.0 and HTTP/1.1 are supported"
        }
    }
}

final class RequestReader {
    private let stream: any ByteStream
    private let limits: RequestLimits
    private var buffer: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 16384)

    init(stream: any ByteStream, limits: RequestLimits) {
        self.stream = stream
        self.limits = limits
    }

    /// Reads more bytes; false at end of stream.
    private func fill(deadline: Deadline) throws(RequestError) -> Bool {
        let n: Int
        do { n = try stream.read(into: &scratch, deadline: deadline) } catch {
            if case .timeout = error { throw .timeout }
            return false
        }
        if n == 0 { return false }
        buffer.append(contentsOf: scratch[0..<n])
        return true
    }

    /// The next request, or `.idleClose` when the peer closed or idled before sending a byte.
    func next(peerIP: String) throws(RequestError) -> WebRequest {
        let deadline = Deadline.after(seconds: limits.readTimeout)
        // Head: the request line, then the header fields, up to the empty line.
        var headEnd: Int?
        var scanned = 0
        while headEnd == nil {
            if let (end, _) = Self.findHeadEnd(buffer, from: max(0, scanned - 3)) {
                headEnd = end
                break
            }
            scanned = buffer.count
            let firstLine = buffer.firstIndex(of: UInt8(ascii: "\n")) ?? buffer.count
            if firstLine > limits.maxRequestLine + 1 { throw .lineTooLong }
            if buffer.count > limits.maxRequestLine + limits.maxHeaderBytes { throw .headersTooLarge }
            let before = buffer.count
            let more: Bool
            do { more = try fill(deadline: deadline) } catch {
                if error == .timeout && before == 0 { throw .idleClose }
                throw error
            }
            guard more else {
                if before == 0 { throw .idleClose }
                throw .malformed("connection closed inside the request head")
            }
        }
        let head = Array(buffer[0..<headEnd!])
        buffer.removeFirst(headEnd!)
        var request = try parseHead(head, peerIP: peerIP)
        // Body: Content-Length only.
        if request.headers["transfer-encoding"] != nil { throw .unsupportedTransferEncoding }
        if let cl = request.headers["content-length"] {
            guard let length = Int(cl.trimmingCharacters(in: .whitespaces)), length >= 0, !cl.contains(",") else {
                throw .malformed("bad Content-Length")
            }
            if length > limits.maxBody { throw .bodyTooLarge }
            let bodyDeadline = Deadline.after(seconds: limits.readTimeout)
            while buffer.count < length {
                guard try fill(deadline: bodyDeadline) else { throw .malformed("connection closed inside the body") }
            }
            request.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return request
    }

    /// Index just past the blank line ending the head (CRLFCRLF or LFLF).
    static func findHeadEnd(_ b: [UInt8], from start: Int) -> (Int, Int)? {
        var i = start
        while i < b.count {
            if b[i] == 10 {
                if i + 1 < b.count, b[i + 1] == 10 { return (i + 2, i) }
                if i + 2 < b.count, b[i + 1] == 13, b[i + 2] == 10 { return (i + 3, i) }
            }
            i += 1
        }
        return nil
    }

    func parseHead(_ head: [UInt8], peerIP: String) throws(RequestError) -> WebRequest {
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw .malformed("empty request") }
        if first.count > limits.maxRequestLine { throw .lineTooLong }
        if head.count - first.count > limits.maxHeaderBytes { throw .headersTooLarge }
        guard let line = String(bytes: first, encoding: .utf8) else { throw .malformed("request line is not UTF-8") }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter && $0.isUppercase }) else {
            throw .malformed("request line must be METHOD TARGET VERSION")
        }
        let version = String(parts[2])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") { throw .unsupportedVersion }
            throw .malformed("bad HTTP version")
        }
        let target = String(parts[1])
        guard target.hasPrefix("/"), !target.contains(where: { $0.isWhitespace || $0.asciiValue == nil }) else {
            throw .malformed("request target must be an origin-form path")
        }
        var headers: [String: String] = [:]
        for raw in lines.dropFirst() {
            guard let text = String(bytes: raw, encoding: .utf8) else { throw .malformed("header field is not UTF-8") }
            if text.first == " " || text.first == "\t" { throw .malformed("obsolete header line folding") }
            guard let colon = text.firstIndex(of: ":") else { throw .malformed("header field without a colon") }
            let name = text[..<colon].lowercased()
            guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else { throw .malformed("bad header field name") }
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length", headers[name] != nil, headers[name] != value { throw .malformed("conflicting Content-Length") }
            if let old = headers[name], name != "content-length" { headers[name] = old + ", " + value } else { headers[name] = value }
        }
        if version == "HTTP/1.1" && headers["host"] == nil { throw .malformed("missing Host header") }
        return WebRequest(method: String(parts[0]), target: target, version: version, headers: headers, peerIP: peerIP)
    }
}

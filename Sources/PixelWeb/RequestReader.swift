// RequestReader: reads HTTP/1.1 requests off one connection under the configured limits.
// Guarantees: never buffers more than max_request_line + max_header_bytes for a head or more than
// max_body for a body; a kept-alive connection idle for keepalive_timeout is closed silently; once
// a request has started, its whole head must come within read_timeout (and again its body); a malformed or oversize request is a typed `RequestError` naming the status to answer
// (400, 408, 413, 414, 431, 501, 505), after which the connection must be closed. Bytes after one
// request stay buffered for the next (keep-alive, pipelining).
import Foundation
import PixelNet

public struct RequestLimits: Sendable, Equatable {
    public var maxRequestLine = 8192
    public var maxHeaderBytes = 16384
    public var maxBody = 65536
    public var readTimeout: Double = 10
    /// How long a kept-alive connection may stay idle between requests (`keepalive_timeout`).
    public var keepaliveTimeout: Double = 5
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

/// What `nextBuffered` found in the bytes already read.
public enum BufferedRequest {
    /// Nothing buffered: wait for the next request.
    case empty
    /// A whole, valid request (consumed from the buffer).
    case request(WebRequest)
    /// A partial or bad request: continue with the blocking `next` (which waits or answers the error).
    case needsThread
}

/// Used by one thread at a time (the event loop, then the session thread it hands the connection to).
public final class RequestReader: @unchecked Sendable {
    private let stream: any ByteStream
    private let limits: RequestLimits
    private var buffer: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 16384)

    public init(stream: any ByteStream, limits: RequestLimits) {
        self.stream = stream
        self.limits = limits
    }

    /// Adds bytes read by the event loop.
    func absorb(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    /// The next request if it is wholly buffered and valid; never reads, never throws. Whatever it
    /// does not accept (`.needsThread`) is left in the buffer for `next`, which applies every limit.
    func nextBuffered(peerIP: String) -> BufferedRequest {
        if buffer.isEmpty { return .empty }
        guard let (end, _) = Self.findHeadEnd(buffer, from: 0) else { return .needsThread }
        guard var request = try? parseHead(Array(buffer[0..<end]), peerIP: peerIP) else { return .needsThread }
        // Requests that write (POST) may wait on the store: not on the event loop.
        guard request.method == "GET" || request.method == "HEAD" else { return .needsThread }
        if request.headers["transfer-encoding"] != nil { return .needsThread }
        var consumed = end
        if let cl = request.headers["content-length"] {
            guard let length = Int(cl), length >= 0, length <= limits.maxBody, buffer.count - end >= length else { return .needsThread }
            request.body = Array(buffer[end..<(end + length)])
            consumed += length
        }
        if consumed == buffer.count { buffer.removeAll(keepingCapacity: true) } else { buffer.removeFirst(consumed) }
        return .request(request)
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

    /// The next request, or `.idleClose` when the peer closed or sent nothing for `idle` seconds
    /// (`read_timeout` on a new connection, `keepalive_timeout` between requests). Once a byte has
    /// come, the whole head must arrive within `read_timeout`.
    public func next(peerIP: String, idle: Double) throws(RequestError) -> WebRequest {
        if buffer.isEmpty {
            let more: Bool
            do { more = try fill(deadline: .after(seconds: idle)) } catch { throw .idleClose }
            guard more else { throw .idleClose }
        }
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
        b.withUnsafeBufferPointer { p -> (Int, Int)? in
            var from = start
            while let i = UTF8Bytes.firstIndex(of: 10, in: p, from: from) {
                if i + 1 < p.count, p[i + 1] == 10 { return (i + 2, i) }
                if i + 2 < p.count, p[i + 1] == 13, p[i + 2] == 10 { return (i + 3, i) }
                from = i + 1
            }
            return nil
        }
    }

    /// Parses the head on bytes (the hot path: no Character-level work).
    func parseHead(_ head: [UInt8], peerIP: String) throws(RequestError) -> WebRequest {
        try head.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(RequestError) -> WebRequest in
            try Self.parseHead(b, limits: limits, peerIP: peerIP)
        }
    }

    /// One pass over the head's bytes (request line, then each header line; a line ends at LF, and a
    /// CR before it is dropped); Strings are made only for what the request keeps.
    static func parseHead(_ head: UnsafeBufferPointer<UInt8>, limits: RequestLimits, peerIP: String) throws(RequestError) -> WebRequest {
        // The lines, as ranges without their CR LF; trailing empty lines dropped.
        var lines: [Range<Int>] = []
        var start = 0
        while let i = UTF8Bytes.firstIndex(of: 10, in: head, from: start) {
            lines.append(start..<(i > start && head[i - 1] == 13 ? i - 1 : i))
            start = i + 1
        }
        if start < head.count { lines.append(start..<head.count) }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw .malformed("empty request") }
        if first.count > limits.maxRequestLine { throw .lineTooLong }
        if head.count - first.count > limits.maxHeaderBytes { throw .headersTooLarge }
        // METHOD SP TARGET SP VERSION: exactly two spaces.
        let line = UnsafeBufferPointer(rebasing: head[first])
        guard let sp1 = line.firstIndex(of: 32), let sp2 = line[(sp1 + 1)...].firstIndex(of: 32),
              !line[(sp2 + 1)...].contains(32) else {
            throw .malformed("request line must be METHOD TARGET VERSION")
        }
        let method = UnsafeBufferPointer(rebasing: line[..<sp1])
        let target = UnsafeBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        let versionBytes = UnsafeBufferPointer(rebasing: line[(sp2 + 1)...])
        guard !method.isEmpty, method.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .malformed("request line must be METHOD TARGET VERSION")
        }
        let version: String
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = "HTTP/1.1"
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = "HTTP/1.0"
        } else {
            if versionBytes.starts(with: "HTTP/".utf8) { throw .unsupportedVersion }
            throw .malformed("bad HTTP version")
        }
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .malformed("request target must be an origin-form path")
        }
        var headers: [String: String] = [:]
        for range in lines.dropFirst() {
            let raw = UnsafeBufferPointer(rebasing: head[range])
            if raw.first == 32 || raw.first == 9 { throw .malformed("obsolete header line folding") }
            guard let colon = raw.firstIndex(of: 58) else { throw .malformed("header field without a colon") }
            let nameBytes = UnsafeBufferPointer(rebasing: raw[..<colon])
            guard !nameBytes.isEmpty, nameBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformed("bad header field name") }
            let name = String(unsafeUninitializedCapacity: nameBytes.count) { out in
                for (i, c) in nameBytes.enumerated() { out[i] = c >= 65 && c <= 90 ? c + 32 : c }
                return nameBytes.count
            }
            var lo = colon + 1, hi = raw.count
            while lo < hi && (raw[lo] == 32 || raw[lo] == 9) { lo += 1 }
            while hi > lo && (raw[hi - 1] == 32 || raw[hi - 1] == 9) { hi -= 1 }
            let v = UnsafeBufferPointer(rebasing: raw[lo..<hi])
            let value: String
            if v.allSatisfy({ $0 < 128 }) {
                value = String(decoding: v, as: UTF8.self)
            } else {
                guard let u = String(validating: v, as: UTF8.self) else { throw .malformed("header field is not UTF-8") }
                value = u
            }
            if name == "content-length", headers[name] != nil, headers[name] != value { throw .malformed("conflicting Content-Length") }
            if let old = headers[name], name != "content-length" { headers[name] = old + ", " + value } else { headers[name] = value }
        }
        if version == "HTTP/1.1" && headers["host"] == nil { throw .malformed("missing Host header") }
        return WebRequest(method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
                          version: version, headers: headers, peerIP: peerIP)
    }
}

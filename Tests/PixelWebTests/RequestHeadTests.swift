// RequestReader.parseHead: one pass over the head's bytes. The same request (method, target,
// version, headers) or the same error as the plain algorithm it replaced (lines of ArraySlices,
// Strings for every part) on heads built from valid and broken pieces.
import Foundation
import Testing
@testable import PixelWeb

@Suite struct RequestHeadTests {
    /// The algorithm before the one-pass rewrite, kept as the reference.
    static func reference(_ head: [UInt8], limits: RequestLimits) throws(RequestError) -> (String, String, String, [String: String]) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for i in 0..<head.count where head[i] == 10 {
            lines.append(head[start..<(i > start && head[i - 1] == 13 ? i - 1 : i)])
            start = i + 1
        }
        if start < head.count { lines.append(head[start...]) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw .malformed("empty request") }
        if first.count > limits.maxRequestLine { throw .lineTooLong }
        if head.count - first.count > limits.maxHeaderBytes { throw .headersTooLarge }
        guard let sp1 = first.firstIndex(of: 32), let sp2 = first[(sp1 + 1)...].firstIndex(of: 32),
              !first[(sp2 + 1)...].contains(32) else {
            throw .malformed("request line must be METHOD TARGET VERSION")
        }
        let parts = [first[first.startIndex..<sp1], first[(sp1 + 1)..<sp2], first[(sp2 + 1)...]]
        guard !parts[0].isEmpty, parts[0].allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .malformed("request line must be METHOD TARGET VERSION")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") { throw .unsupportedVersion }
            throw .malformed("bad HTTP version")
        }
        guard parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .malformed("request target must be an origin-form path")
        }
        var headers: [String: String] = [:]
        for raw in lines.dropFirst() {
            if raw.first == 32 || raw.first == 9 { throw .malformed("obsolete header line folding") }
            guard let colon = raw.firstIndex(of: 58) else { throw .malformed("header field without a colon") }
            let nameBytes = raw[raw.startIndex..<colon]
            guard !nameBytes.isEmpty, nameBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformed("bad header field name") }
            let name = String(decoding: nameBytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
            var v = raw[(colon + 1)...]
            while let f = v.first, f == 32 || f == 9 { v = v.dropFirst() }
            while let l = v.last, l == 32 || l == 9 { v = v.dropLast() }
            let value: String
            if v.allSatisfy({ $0 < 128 }) {
                value = String(decoding: v, as: UTF8.self)
            } else {
                guard let u = String(bytes: v, encoding: .utf8) else { throw .malformed("header field is not UTF-8") }
                value = u
            }
            if name == "content-length", headers[name] != nil, headers[name] != value { throw .malformed("conflicting Content-Length") }
            if let old = headers[name], name != "content-length" { headers[name] = old + ", " + value } else { headers[name] = value }
        }
        if version == "HTTP/1.1" && headers["host"] == nil { throw .malformed("missing Host header") }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version, headers)
    }

    static let requestLines = ["GET /o/abc HTTP/1.1", "HEAD / HTTP/1.0", "POST /api/v1/consents HTTP/1.1", "get / HTTP/1.1",
                               "GET  / HTTP/1.1", "GET / HTTP/1.1 x", "GET /a b HTTP/1.1", "GET x HTTP/1.1", "GET / HTTP/2",
                               "GET / HTTX/1.1", "GET /\u{E9} HTTP/1.1", " GET / HTTP/1.1", "GET", "", "GET /%41?q=1 HTTP/1.1"]
    static let headerLines = ["Host: example.org", "host:a", "X-Y:  v w \t", " folded", "\tfolded", "NoColon", ": empty name",
                              "Content-Length: 5", "content-length: 5", "Content-Length: 6", "Accept: a", "ACCEPT: b",
                              "X-Caf\u{E9}: v", "X-U: caf\u{E9}", "X-Empty:", "Bad Name: x", "Cookie: a=b; c=d"]

    static func head(_ rng: inout some RandomNumberGenerator) -> [UInt8] {
        var out = Array(requestLines.randomElement(using: &rng)!.utf8)
        let eol: [UInt8] = Bool.random(using: &rng) ? [13, 10] : [10]
        out += eol
        for _ in 0..<Int.random(in: 0..<5, using: &rng) {
            out += Array(headerLines.randomElement(using: &rng)!.utf8) + eol
        }
        if Int.random(in: 0..<8, using: &rng) == 0 { out += [0x58, 0x3A, 0x20, 0xFF, 0xFE] + eol }  // not UTF-8
        if Bool.random(using: &rng) { out += eol }
        return out
    }

    @Test func sameRequestOrSameErrorAsTheReference() throws {
        var rng = SystemRandomNumberGenerator()
        var limits = RequestLimits()
        var seen = Set<String>()
        for n in 0..<5_000 {
            limits.maxRequestLine = n % 7 == 0 ? 12 : 8192
            limits.maxHeaderBytes = n % 11 == 0 ? 20 : 16384
            let bytes = Self.head(&rng)
            let expected: Result<(String, String, String, [String: String]), RequestError>
            do { expected = .success(try Self.reference(bytes, limits: limits)) } catch { expected = .failure(error) }
            let got: Result<WebRequest, RequestError>
            do {
                got = .success(try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(RequestError) -> WebRequest in
                    try RequestReader.parseHead(b, limits: limits, peerIP: "127.0.0.1")
                })
            } catch { got = .failure(error) }
            switch (expected, got) {
            case (.success(let e), .success(let g)):
                #expect(g.method == e.0 && g.target == e.1 && g.version == e.2 && g.headers == e.3, "\(bytes)")
                seen.insert("ok")
            case (.failure(let e), .failure(let g)):
                #expect(g == e, "\(bytes)")
                seen.insert("\(e)")
            default:
                Issue.record("reference \(expected), got \(got) for \(bytes)")
            }
        }
        // The generator reaches the accepted case and every kind of refusal the parser has.
        #expect(seen.count >= 10, "\(seen)")
    }
}

/// `WebRequest.splitPath` and `RequestReader.findHeadEnd` on memchr: the same answers as the plain
/// byte loops they replaced, on random paths and heads.
@Suite struct ByteScanTests {
    static func referenceSplit(_ target: String) -> [String] {
        let u = Array(target.utf8)
        var out: [String] = []
        var end = u.count
        for i in 0..<u.count where u[i] == UInt8(ascii: "?") { end = i; break }
        var start = 0
        var percent = false
        for i in 0...end {
            if i == end || u[i] == UInt8(ascii: "/") {
                if i > start {
                    let s = String(decoding: u[start..<i], as: UTF8.self)
                    out.append(percent ? (s.removingPercentEncoding ?? s) : s)
                }
                start = i + 1
                percent = false
            } else if u[i] == UInt8(ascii: "%") {
                percent = true
            }
        }
        return out
    }

    static func referenceHeadEnd(_ b: [UInt8], from start: Int) -> (Int, Int)? {
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

    @Test func splitPathMatchesThePlainLoop() {
        let pieces = ["/", "a", "o", "%41", "%zz", "?", "q=1/2", "é", "//", "%2F", "x%20y"]
        var rng = SystemRandomNumberGenerator()
        var cases = ["", "/", "/o/abc", "/api/v1/consents/a%40b.example/history", "?x", "/a?b/c", "//a//b//", "/%"]
        for _ in 0..<3_000 { cases.append((0..<Int.random(in: 0..<8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()) }
        for t in cases { #expect(WebRequest.splitPath(t) == Self.referenceSplit(t), "\(t)") }
    }

    @Test func lineBreaksAreFoundAnywhere() {
        let long = String(repeating: "https://t.example/o?u=é&", count: 20)
        for (s, want) in [("", false), ("a", false), ("a\rb", true), ("a\nb", true), ("\r", true), ("é\n", true),
                          (long, false), (long + "\n", true), ("\r" + long, true), (long + "\r\n" + long, true)] {
            #expect(UTF8Bytes.hasLineBreak(s) == want, "\(s.debugDescription)")
            #expect(UTF8Bytes.hasLineBreak(s) == s.utf8.contains { $0 == 13 || $0 == 10 })
        }
    }

    @Test func findHeadEndMatchesThePlainLoop() {
        let alphabet: [UInt8] = [10, 13, 65, 32]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let b = (0..<Int.random(in: 0..<16, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let from = Int.random(in: 0...b.count, using: &rng)
            let got = RequestReader.findHeadEnd(b, from: from)
            let want = Self.referenceHeadEnd(b, from: from)
            #expect(got?.0 == want?.0 && got?.1 == want?.1, "\(b) from \(from)")
        }
    }
}

// URLParts: the pieces of a URL the classifier matches on — scheme, host (lower-cased, no port or
// userinfo), and path+query — without Foundation and without failing on junk. Also percent-decoding
// and the "effective" URL of image proxies (`…/proxy/…#https://real/url`: the fragment is the URL
// actually fetched by the proxy). Contract: total functions; anything unparsable yields empty parts.

public struct URLParts: Sendable, Equatable {
    public var scheme: String
    public var host: String
    /// Path and query ("/a/b?x=1"), fragment excluded; "/" when empty.
    public var pathAndQuery: String

    public init(_ url: String) {
        scheme = ""
        host = ""
        pathAndQuery = "/"
        // As the WHATWG URL parser: leading/trailing C0 controls and spaces trimmed, tabs and newlines
        // removed anywhere; for http(s) and scheme-less URLs a backslash is a slash.
        var bytes = Array(url.utf8)
        while let f = bytes.first, f <= 0x20 { bytes.removeFirst() }
        while let l = bytes.last, l <= 0x20 { bytes.removeLast() }
        if bytes.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { bytes.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } }
        var u = bytes[...]
        // Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
        if let colon = u.firstIndex(of: 0x3A), colon != u.startIndex,
           u[u.startIndex..<colon].allSatisfy({ ASCII.isAlnum($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }) {
            scheme = String(decoding: u[u.startIndex..<colon].map(ASCII.lower), as: UTF8.self)
            u = u[u.index(after: colon)...]
        }
        guard scheme.isEmpty || scheme == "http" || scheme == "https" || scheme == "ftp" else {
            pathAndQuery = "" // opaque URL (cid:, data:, mailto:): nothing to match
            return
        }
        // Backslashes are slashes in special URLs (up to the query).
        let queryStart = u.firstIndex(where: { $0 == 0x3F || $0 == 0x23 }) ?? u.endIndex
        if u[u.startIndex..<queryStart].contains(0x5C) {
            var fixed = Array(u[u.startIndex..<queryStart]).map { $0 == 0x5C ? UInt8(0x2F) : $0 }
            fixed.append(contentsOf: u[queryStart...])
            u = fixed[...]
        }
        // "https:host/path" (no slashes) still has an authority for special schemes.
        if !scheme.isEmpty && u.first != 0x2F {
            u = ([0x2F, 0x2F] + Array(u))[...]
        }
        guard u.count >= 2, u.first == 0x2F, u[u.index(after: u.startIndex)] == 0x2F else {
            // Relative reference: no host.
            pathAndQuery = String(decoding: u.prefix(while: { $0 != 0x23 }).prefix(Glob.maxSubjectLength), as: UTF8.self)
            return
        }
        u = u.drop(while: { $0 == 0x2F })
        let authEnd = u.firstIndex(where: { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 }) ?? u.endIndex
        var auth = u[u.startIndex..<authEnd]
        if let at = auth.lastIndex(of: 0x40) { auth = auth[auth.index(after: at)...] }
        var hostBytes: [UInt8]
        if auth.first == 0x5B {
            hostBytes = Array(auth.prefix(while: { $0 != 0x5D })) + [0x5D]
        } else {
            hostBytes = Array(auth.prefix(while: { $0 != 0x3A }))
        }
        while hostBytes.last == 0x2E { hostBytes.removeLast() }
        host = String(decoding: hostBytes.map(ASCII.lower), as: UTF8.self)
        let rest = u[authEnd...].prefix(while: { $0 != 0x23 })
        if rest.isEmpty { pathAndQuery = "/" }
        else if rest.first == 0x3F { pathAndQuery = "/" + String(decoding: rest, as: UTF8.self) }
        else { pathAndQuery = String(decoding: rest, as: UTF8.self) }
    }

    /// True for URLs a mail client fetches from the network (http, https, scheme-relative).
    public var isRemote: Bool { (scheme == "http" || scheme == "https" || scheme.isEmpty) && !host.isEmpty }

    /// Path segments and query values, the places a per-message token hides. `final` is true for the
    /// last path segment and for query values.
    /// Query parameters whose values are CDN/storage signatures or image-service ids: random-looking but
    /// fixed per asset, not per message, so they are not token candidates.
    public static let signingParameters: Set<String> = ["signature", "x-amz-signature", "x-amz-credential",
        "x-amz-security-token", "key-pair-id", "policy", "x-goog-signature", "x-goog-credential", "googleaccessid",
        "ixid", "ixlib", "x-amz-date", "se", "sp", "sv", "sig", "sr", "skoid", "sktid"]

    public var tokenCandidates: [(text: Substring, final: Bool)] {
        // Split on the ASCII delimiters' bytes (always scalar boundaries), not on Characters: the
        // grapheme-aware split was most of the classifier's cost.
        var out = [(text: Substring, final: Bool)]()
        let u = pathAndQuery.utf8
        let q = u.firstIndex(of: 0x3F) // '?'
        let segs = u[u.startIndex..<(q ?? u.endIndex)].split(separator: 0x2F) // '/'
        for (i, seg) in segs.enumerated() {
            for part in seg.split(separator: 0x3B) { out.append((Substring(part), i == segs.count - 1)) } // ';'
        }
        if let q {
            for pair in u[u.index(after: q)...].split(whereSeparator: { $0 == 0x26 || $0 == 0x3B }) { // '&' ';'
                if let eq = pair.firstIndex(of: 0x3D) { // '='
                    let name = pair[pair.startIndex..<eq]
                    if name.count <= 24 && URLParts.signingParameters.contains(String(decoding: name.map(ASCII.lower), as: UTF8.self)) { continue }
                    out.append((Substring(pair[pair.index(after: eq)...]), true))
                } else { out.append((Substring(pair), true)) }
            }
        }
        return out
    }

    /// The URL actually fetched: for image proxies that carry the original URL as the fragment
    /// (`https://proxy/…#https://origin/…`), the fragment; otherwise the URL itself.
    public static func effectiveURL(_ url: String) -> String {
        let u = url.utf8
        guard let hash = u.firstIndex(of: 0x23) else { return url }
        let frag = u[u.index(after: hash)...]
        func hasPrefix(_ lit: StaticString) -> Bool {
            let n = lit.utf8CodeUnitCount
            guard frag.count >= n else { return false }
            var i = frag.startIndex
            for k in 0..<n { if ASCII.lower(frag[i]) != lit.utf8Start[k] { return false }; i = frag.index(after: i) }
            return true
        }
        if hasPrefix("http://") || hasPrefix("https://") { return String(decoding: frag, as: UTF8.self) }
        return url
    }

    /// Percent-decodes (invalid escapes left as they are; '+' kept).
    public static func percentDecode(_ s: String) -> String {
        guard s.utf8.contains(0x25) else { return s }
        let b = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, let h = ASCII.hexValue(b[i + 1]), let l = ASCII.hexValue(b[i + 2]) {
                out.append(UInt8(h * 16 + l)); i += 3
            } else { out.append(b[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

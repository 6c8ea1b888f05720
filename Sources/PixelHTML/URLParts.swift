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
        var s = Substring(url)
        scheme = ""
        host = ""
        pathAndQuery = "/"
        if let colon = s.firstIndex(of: ":"), s[s.startIndex..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
           !s[s.startIndex..<colon].isEmpty {
            scheme = s[s.startIndex..<colon].lowercased()
            s = s[s.index(after: colon)...]
        }
        guard s.hasPrefix("//") else {
            // Scheme-less relative or opaque URL (cid:, data:, mailto:): no host.
            pathAndQuery = String(s.prefix(while: { $0 != "#" }))
            return
        }
        s = s.dropFirst(2)
        let authEnd = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" }) ?? s.endIndex
        var auth = s[s.startIndex..<authEnd]
        if let at = auth.lastIndex(of: "@") { auth = auth[auth.index(after: at)...] }
        if auth.hasPrefix("[") {
            host = String(auth.prefix(while: { $0 != "]" })) + "]"
        } else {
            host = String(auth.prefix(while: { $0 != ":" }))
        }
        host = host.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        let rest = s[authEnd...].prefix(while: { $0 != "#" })
        pathAndQuery = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
    }

    /// True for URLs a mail client fetches from the network (http, https, scheme-relative).
    public var isRemote: Bool { (scheme == "http" || scheme == "https" || scheme.isEmpty) && !host.isEmpty }

    /// Path segments and query values, the places a per-message token hides. `final` is true for the
    /// last path segment and for query values.
    public var tokenCandidates: [(text: Substring, final: Bool)] {
        var out = [(text: Substring, final: Bool)]()
        let q = pathAndQuery.firstIndex(of: "?")
        let path = pathAndQuery[pathAndQuery.startIndex..<(q ?? pathAndQuery.endIndex)]
        let segs = path.split(separator: "/")
        for (i, seg) in segs.enumerated() {
            for part in seg.split(separator: ";") { out.append((part, i == segs.count - 1)) }
        }
        if let q {
            for pair in pathAndQuery[pathAndQuery.index(after: q)...].split(whereSeparator: { $0 == "&" || $0 == ";" }) {
                if let eq = pair.firstIndex(of: "=") { out.append((pair[pair.index(after: eq)...], true)) } else { out.append((pair, true)) }
            }
        }
        return out
    }

    /// The URL actually fetched: for image proxies that carry the original URL as the fragment
    /// (`https://proxy/…#https://origin/…`), the fragment; otherwise the URL itself.
    public static func effectiveURL(_ url: String) -> String {
        if let hash = url.firstIndex(of: "#") {
            let frag = url[url.index(after: hash)...]
            if frag.lowercased().hasPrefix("http://") || frag.lowercased().hasPrefix("https://") { return String(frag) }
        }
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

// BaseURL: the document base URL of an HTML part (its first `<base href>`) and the resolution of
// relative references against it (RFC 3986 section 5.2, with the WHATWG parser's leniency for
// http(s): surrounding spaces trimmed, tabs and newlines dropped, a backslash before the query is a
// slash). Mail clients that honour `<base>` (Apple Mail, Thunderbird) fetch `<img src="o/1.gif">`
// from the base's host, so the classifier must see that absolute URL, and a gated URL must redirect
// there. Contract: total functions, no Foundation; a base that is not an absolute http(s) URL with a
// host is no base (`init` returns nil); `resolve` returns references that have a scheme, and empty
// ones (an empty src fetches nothing), unchanged.

public struct BaseURL: Sendable, Equatable {
    /// "http" or "https", lower-cased.
    public let scheme: String
    /// Userinfo, host and port as written.
    public let authority: String
    /// The path, "/" when empty; never contains the query or fragment.
    public let path: String
    /// The query including its "?", or "".
    public let query: String

    public init?(_ href: String) {
        let u = BaseURL.clean(href)
        guard let (scheme, rest) = BaseURL.splitScheme(u), scheme == "http" || scheme == "https" else { return nil }
        let r = BaseURL.slashed(rest)
        guard r.hasPrefix("//") else { return nil }
        let afterSlashes = r.drop(while: { $0 == "/" })
        let authEnd = afterSlashes.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterSlashes.endIndex
        let authority = String(afterSlashes[..<authEnd])
        guard !authority.isEmpty, authority.contains(where: { $0 != "@" && $0 != ":" }) else { return nil }
        var tail = afterSlashes[authEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
        let qStart = tail.firstIndex(of: "?") ?? tail.endIndex
        let path = String(tail[..<qStart])
        self.scheme = scheme
        self.authority = authority
        self.path = path.isEmpty ? "/" : BaseURL.removingDotSegments(path)
        self.query = String(tail[qStart...])
    }

    /// `reference` made absolute against this base.
    public func resolve(_ reference: String) -> String {
        let ref = BaseURL.clean(reference)
        if ref.isEmpty { return reference }
        if BaseURL.splitScheme(ref) != nil { return reference }
        let r = BaseURL.slashed(ref)
        let origin = scheme + "://" + authority
        if r.hasPrefix("//") { return scheme + ":" + r }
        if r.hasPrefix("#") { return origin + path + query + r }
        if r.hasPrefix("?") { return origin + path + r }
        let end = r.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? r.endIndex
        let refPath = String(r[..<end])
        let suffix = String(r[end...])
        if refPath.hasPrefix("/") { return origin + BaseURL.removingDotSegments(refPath) + suffix }
        // Merge: the base path up to its last "/", then the reference's path.
        let dir = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return origin + BaseURL.removingDotSegments(dir + refPath) + suffix
    }

    /// Leading/trailing C0 controls and spaces trimmed; tabs, CR and LF removed anywhere.
    static func clean(_ s: String) -> String {
        var u = Substring(s)
        while let f = u.unicodeScalars.first, f.value <= 0x20 { u = u.dropFirst() }
        while let l = u.unicodeScalars.last, l.value <= 0x20 { u = u.dropLast() }
        if u.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return String(u.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }.map(Character.init))
        }
        return String(u)
    }

    /// The lower-cased scheme and the rest, when `u` starts with `ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":"`.
    static func splitScheme(_ u: String) -> (String, Substring)? {
        guard let colon = u.firstIndex(of: ":"), colon != u.startIndex else { return nil }
        let name = u[..<colon]
        guard let first = name.unicodeScalars.first, BaseURL.isAlpha(first),
              name.unicodeScalars.allSatisfy({ BaseURL.isAlpha($0) || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        return (name.lowercased(), u[u.index(after: colon)...])
    }

    static func isAlpha(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }

    /// Backslashes before the query or fragment read as slashes (special schemes).
    static func slashed<S: StringProtocol>(_ s: S) -> String {
        let end = s.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? s.endIndex
        guard s[..<end].contains("\\") else { return String(s) }
        return String(s[..<end].map { $0 == "\\" ? "/" : $0 }) + String(s[end...])
    }

    /// RFC 3986 section 5.2.4 for an absolute path ("/a/./b/../c" -> "/a/c"); "." and ".." as the
    /// last segment leave a trailing "/".
    static func removingDotSegments(_ path: String) -> String {
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var trailingSlash = false
        for (i, seg) in segments.enumerated() {
            let last = i == segments.count - 1
            trailingSlash = false
            switch seg {
            case ".":
                trailingSlash = last
            case "..":
                if !out.isEmpty { out.removeLast() }
                trailingSlash = last
            default:
                out.append(seg)
            }
        }
        return "/" + out.joined(separator: "/") + (trailingSlash && !out.isEmpty ? "/" : "")
    }
}

// TrackerClassifier: the evidence that a resource is a tracker. Each kind of evidence is independent
// and named, so `scan` and the logs can say why:
//  - declared: the element's own `data-tracking-purpose`;
//  - signature: a known tracking URL shape (SignatureList), an element that only exists to track
//    (`amp-pixel`, `amp-analytics`), or a tracking keyword path segment (`/open/`, `/px/`, `/beacon/`,
//    `open.gif`, ...) together with a per-message token (`tracking-path:<keyword>`);
//  - recipientIdentifier: the recipient address in some form in the URL;
//  - hiddenWithToken: tiny or hidden rendering together with a per-message token — or, for vectors a
//    reader never sees as content on its own (CSS url(), background attribute, srcset candidate,
//    VML, stylesheet/font/import), a random-looking per-message token alone;
//  - rule: an operator rule (host and path glob) matched.
// Size alone is never evidence; `cid:`, `data:` and other non-network URLs only ever get `declared`.
// An empty result means content. Image proxies (`…#https://origin`) are judged by their origin URL.

public enum Evidence: Sendable, Equatable, Hashable, CustomStringConvertible {
    case declared([String])
    case signature(String)
    case recipientIdentifier(String)
    case hiddenWithToken(String)
    case rule(String)

    /// Short text for logs and `scan`.
    public var description: String {
        switch self {
        case .declared(let p): return "declared:" + p.joined(separator: ",")
        case .signature(let s): return "signature:" + s
        case .recipientIdentifier(let f): return "recipient-id:" + f
        case .hiddenWithToken(let s): return "hidden+token:" + s
        case .rule(let r): return "rule:" + r
        }
    }
}

/// An operator rule: tracker URLs matching `hostGlob` and `pathGlob` serve `purposes`. Globs use `*`
/// only (any run, also across '/' and '.'); `*.example.com` also matches `example.com`. The path glob
/// is matched against the path alone and against path+query; either match counts. An empty glob is `*`.
public struct URLRule: Sendable, Equatable {
    public let id: String
    public let hostGlob: String
    public let pathGlob: String
    public let purposes: [String]
    let host: [GlobPiece]
    let path: [GlobPiece]

    public init(hostGlob: String, pathGlob: String, purposes: [String], id: String? = nil) {
        self.hostGlob = hostGlob.isEmpty ? "*" : hostGlob.lowercased()
        self.pathGlob = pathGlob.isEmpty ? "*" : pathGlob
        self.purposes = purposes
        self.id = id ?? "\(self.hostGlob) \(self.pathGlob)"
        host = Glob.compilePlain(self.hostGlob)
        path = Glob.compilePlain(self.pathGlob)
    }

    public func matches(_ url: String) -> Bool {
        let u = URLParts(URLParts.effectiveURL(url))
        guard u.isRemote else { return false }
        let hostOK: Bool
        if hostGlob.hasPrefix("*."), !hostGlob.dropFirst(2).contains("*") {
            let base = hostGlob.dropFirst(2)
            hostOK = u.host == base || u.host.hasSuffix("." + base)
        } else {
            hostOK = Glob.match(host, Array(u.host.utf8))
        }
        guard hostOK else { return false }
        let pq = Array(u.pathAndQuery.utf8.prefix(Glob.maxSubjectLength))
        let pathOnly = Array(pq.prefix(while: { $0 != 0x3F }))
        return Glob.match(path, pathOnly) || Glob.match(path, pq)
    }
}

public struct TrackerClassifier: Sendable {
    public var signatures: SignatureList
    public var rules: [URLRule]
    public var tokenShape = TokenShape()
    /// Largest width/height (both) counted as a tiny image.
    public var tinyMaxSide = 2
    /// Path segments (extension stripped, any case) that name a tracking endpoint. Together with a
    /// per-message token anywhere in the URL they are a generic signature (`tracking-path:<kw>`).
    public var trackingPathKeywords: Set<String> = ["open", "opens", "opened", "track", "tracking", "tracker", "pixel",
                                                    "px", "pxl", "beacon", "trk", "imp", "impression", "openrate",
                                                    "read-receipt", "receipt", "wf"]

    public init(signatures: SignatureList = .default, rules: [URLRule] = []) {
        self.signatures = signatures
        self.rules = rules
    }

    /// The first operator rule matching a URL (the engine takes its purposes).
    public func rule(matching url: String) -> URLRule? { rules.first { $0.matches(url) } }

    /// All evidence that `r` is a tracker; empty means content.
    public func evidence(for r: Resource, recipients: [String]) -> [Evidence] {
        var ev = [Evidence]()
        if let d = r.declaredPurposes { ev.append(.declared(d)) }
        guard !Self.isOpaque(r.url) else { return ev }
        let effective = URLParts.effectiveURL(r.url)
        let parts = URLParts(effective)
        guard parts.isRemote else { return ev }

        if let sig = signatures.firstMatch(parts) {
            ev.append(.signature(sig.id))
        } else if r.element.tagName == "amp-pixel" || r.element.tagName == "amp-analytics" {
            ev.append(.signature(r.element.tagName))
        } else if let kw = trackingPathKeyword(parts) {
            if tokenShape.strength(ofURL: effective) != .none {
                ev.append(.signature("tracking-path:" + kw))
            } else if rendersAsBeacon(r), Self.hasNumericID(parts) {
                // `open.php?M=4821937&L=88&N=311`: list managers number their messages and subscribers.
                ev.append(.signature("tracking-path:" + kw + "+id"))
            }
        }
        for rcpt in recipients {
            if let form = RecipientIdentifier.find(in: r.url, address: rcpt) {
                ev.append(.recipientIdentifier(form))
                break
            }
        }
        if let h = hiddenWithToken(r, effective) { ev.append(.hiddenWithToken(h)) }
        if let rule = rule(matching: r.url) { ev.append(.rule(rule.id)) }
        return ev
    }

    /// Tiny (both sides at most `tinyMaxSide`), one side 0 or 1, or hidden: an image nobody sees.
    func rendersAsBeacon(_ r: Resource) -> Bool {
        let el = r.element
        let tiny = (el.width.map { $0 <= tinyMaxSide } ?? false) && (el.height.map { $0 <= tinyMaxSide } ?? false)
        let thin = el.width == 1 || el.height == 1 || el.width == 0 || el.height == 0
        return tiny || thin || el.hidden.hidesBox || el.inHiddenWrapper
    }

    /// A query value of at least 5 digits (a message or subscriber number).
    static func hasNumericID(_ parts: URLParts) -> Bool {
        let u = parts.pathAndQuery.utf8
        guard let q = u.firstIndex(of: 0x3F) else { return false }
        for pair in u[u.index(after: q)...].split(whereSeparator: { $0 == 0x26 || $0 == 0x3B }) {
            guard let eq = pair.firstIndex(of: 0x3D) else { continue }
            let v = pair[pair.index(after: eq)...]
            if v.count >= 5, v.count <= 20, v.allSatisfy(ASCII.isDigit) { return true }
        }
        return false
    }

    /// The first path segment (before the query) that is a tracking keyword.
    func trackingPathKeyword(_ parts: URLParts) -> String? {
        let path = parts.pathAndQuery.utf8.prefix(while: { $0 != 0x3F })
        for seg in path.split(separator: 0x2F) {
            var bytes = Array(seg.map(ASCII.lower))
            if let dot = bytes.lastIndex(of: 0x2E) { bytes.removeSubrange(dot...) }
            guard bytes.count <= 16 else { continue }
            let word = String(decoding: bytes, as: UTF8.self)
            if trackingPathKeywords.contains(word) { return word }
        }
        return nil
    }

    /// `cid:`, `data:`, `mailto:` and other non-network schemes (cheap check before any parsing).
    static func isOpaque(_ url: String) -> Bool {
        var n = 0
        for b in url.utf8 {
            if b == 0x3A { break }
            if !(ASCII.isAlnum(b) || b == 0x2B || b == 0x2D || b == 0x2E) || n > 10 { return false }
            n += 1
        }
        guard n > 0, n < url.utf8.count else { return false }
        let scheme = url.utf8.prefix(n).map(ASCII.lower)
        return scheme != Array("http".utf8) && scheme != Array("https".utf8)
    }

    /// True when the URL's last path segment is a photo file name (.jpg, .jpeg, .webp, .avif).
    static func namesPhoto(_ url: String) -> Bool {
        let parts = URLParts(url)
        let path = parts.pathAndQuery.prefix(while: { $0 != "?" })
        let last = path.split(separator: "/").last ?? ""
        guard let dot = last.lastIndex(of: ".") else { return false }
        return ["jpg", "jpeg", "webp", "avif"].contains(last[last.index(after: dot)...].lowercased())
    }

    /// True when the URL's last path segment ends in .gif or has no extension.
    static func gifOrNoExtension(_ url: String) -> Bool {
        let parts = URLParts(url)
        let path = parts.pathAndQuery.prefix(while: { $0 != "?" })
        let last = path.split(separator: "/").last ?? ""
        guard let dot = last.lastIndex(of: ".") else { return true }
        return last[last.index(after: dot)...].lowercased() == "gif"
    }

    /// Tiny/hidden rendering + token, or a token in a vector that is not visible content by itself.
    func hiddenWithToken(_ r: Resource, _ url: String) -> String? {
        let el = r.element
        switch r.vector {
        case .img, .input, .video, .other, .amp:
            let w = el.width, h = el.height
            let tiny = (w.map { $0 <= tinyMaxSide } ?? false) && (h.map { $0 <= tinyMaxSide } ?? false)
            let thin = w == 1 || h == 1 || w == 0 || h == 0
            // No size at all: the image renders at its intrinsic size, 1x1 for a beacon GIF.
            // Unless it describes itself: a beacon has no alt text (an animation or a countdown
            // timer with a per-send id does), nor a width relative to its container (a static map).
            let unsizedGIF = w == nil && h == nil && !el.relativeSize && r.vector != .video && Self.gifOrNoExtension(url)
                && (el.alt ?? "").allSatisfy { $0 == " " || $0 == "*" || $0 == "." || $0 == "-" }
            // The token shape is looked at only when the rendering could make it a beacon (it
            // parses the URL; most images of a newsletter are sized content).
            guard tiny || thin || el.hidden.hidesBox || el.inHiddenWrapper || unsizedGIF else { return nil }
            // A tiny image shows nothing, so an id anywhere in its path counts (`/t/<hex>/<hex>/spacer.gif`).
            let strength = tokenShape.strength(ofURL: url, weakAnywhere: tiny)
            guard strength != .none else { return nil }
            let sizeLabel = "\(w.map(String.init) ?? "?")x\(h.map(String.init) ?? "?")"
            if tiny || thin { return "\(sizeLabel) + token" }
            if el.hidden.hidesBox { return "hidden + token" }
            if el.inHiddenWrapper { return "hidden wrapper + token" }
            // A random per-message token in a GIF (or extension-less) image name is a beacon.
            if unsizedGIF && strength == .random { return "unsized gif + token" }
            return nil
        case .srcset, .cssInline, .cssBlock, .backgroundAttr, .vml, .link, .import, .font:
            let strength = tokenShape.strength(ofURL: url)
            guard strength != .none else { return nil }
            let hidden = el.hidden.hidesBox || el.inHiddenWrapper
            guard strength == .random else { return hidden ? "hidden + token" : nil }
            // A box drawn at a real size (`height:280px` hero, 24px icon cell) shows its background:
            // the URL is content even when its handle looks random (image CDNs' opaque ids).
            let sized = (el.width.map { $0 > tinyMaxSide } ?? false) || (el.height.map { $0 > tinyMaxSide } ?? false)
            if sized && !hidden && (r.vector == .cssInline || r.vector == .backgroundAttr) { return nil }
            // A photo named after the token (`/<space>/<asset id>/<hash>/summer-hero.jpg`) is an asset
            // store's path: beacons are GIF/PNG or unnamed, and carry their token in the name or query.
            if !hidden && Self.namesPhoto(url) && tokenShape.strength(ofURL: url, finalOnly: true) != .random { return nil }
            return "\(r.vector.rawValue) + token"
        }
    }
}

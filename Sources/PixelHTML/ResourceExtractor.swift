// ResourceExtractor: turns one parsed start tag (and `<style>` / `<amp-analytics>` content) into
// Resources: which attribute of which element is fetched, under which vector, and how to remove it
// (whole element, one attribute, one srcset candidate, one CSS declaration / url() value, one @import).
// Links (`a href`) are never resources. Contract: decoded URLs (character references in attributes,
// CSS escapes in CSS), raw ranges mapped back through entity decoding, declared purposes from the
// element's own `data-tracking-purpose`.

extension ScanState {
    enum Removal { case element, attribute }

    /// Attributes that may carry a fetched URL.
    static let urlBits: UInt32 = [AttrKind.src, .srcset, .background, .href, .xlinkHref, .poster, .data, .config, .style]
        .reduce(0) { $0 | (1 << UInt32($1.rawValue)) }
    /// Attributes that carry a URL on any element (`background`, `style`).
    static let anyElementURLBits: UInt32 = (1 << UInt32(AttrKind.background.rawValue)) | (1 << UInt32(AttrKind.style.rawValue))

    /// Extracts the resources of the current start tag; returns the element's own hidden flags.
    mutating func extract(kind: TagKind, lt: Int) -> HiddenFlags {
        var purposes: [String]?
        if let pa = tag.attr(.purpose) {
            out.purposeAttributes.append(pa.whole)
            out.purposeAttributes.append(contentsOf: tag.extraPurposes)
            purposes = tokens(pa.value)
        }
        lastPurposes = purposes
        var style = InlineStyle()
        if let st = tag.attr(.style) { style = InlineStyle(p, st.value) }
        var hidden = style.hidden
        if tag.has(.hidden) { hidden.insert(.hiddenAttribute) }
        if let lay = tag.attr(.layout), ASCII.equalsLower(p, ASCII.trim(p, lay.value), "nodisplay") { hidden.insert(.noDisplayLayout) }
        let classes = tag.attr(.class)?.value
        if let cl = classes {
            if hiddenClasses.containsAny(p, cl) { hidden.insert(.hiddenByClass) }
            if !hidden.isEmpty, revealedClasses.containsAny(p, cl) { hidden = [] }
        }

        guard tag.present & ScanState.urlBits != 0 else { return hidden }
        if kind == .base {
            // The first <base> with an href sets the document base URL (WHATWG); later ones are ignored.
            if baseHref == nil, let h = tag.attr(.href) { baseHref = decodedString(h.value) }
            return hidden
        }
        if kind == .other && tag.present & ScanState.anyElementURLBits == 0 { return hidden }

        var el = ElementInfo(tagName: ASCII.lowerString(p, tag.name), range: lt..<tag.end,
                             hidden: hidden, inHiddenWrapper: !hiddenStack.isEmpty)
        el.width = style.width ?? tag.attr(.width).flatMap { InlineStyle.attributePixels(p, $0.value) }
        el.height = style.height ?? tag.attr(.height).flatMap { InlineStyle.attributePixels(p, $0.value) }
        // max-width / max-height cap the drawn size (`max-width:1px;max-height:1px` on an unsized image).
        if let m = style.maxWidth, el.width.map({ $0 > m }) ?? true { el.width = m }
        if let m = style.maxHeight, el.height.map({ $0 > m }) ?? true { el.height = m }
        el.relativeSize = style.relativeSize || [tag.attr(.width), tag.attr(.height)].contains {
            $0.map { InlineStyle.attributePercent(p, $0.value).map { $0 >= InlineStyle.drawnPercent } ?? false } ?? false
        }
        if el.width == nil, el.height == nil, let cl = classes, tinyClasses.containsAny(p, cl) {
            el.width = 1 // sized by a style sheet class to at most 2x2
            el.height = 1
        }
        if let a = tag.attr(.alt) { el.alt = decodedString(a.value) }

        switch kind {
        case .img:
            if let s = tag.attr(.src) { addURL(.img, s, el, purposes, .element) }
            if let s = tag.attr(.srcset) { addSrcset(.srcset, s, el, purposes, single: .attribute) }
        case .input:
            if let t = tag.attr(.type), ASCII.equalsLower(p, ASCII.trim(p, t.value), "image"), let s = tag.attr(.src) {
                addURL(.input, s, el, purposes, .element)
            }
        case .video:
            if let s = tag.attr(.poster) { addURL(.video, s, el, purposes, .attribute) }
            if let s = tag.attr(.src) { addURL(.video, s, el, purposes, .attribute) }
        case .audio:
            if let s = tag.attr(.src) { addURL(.other, s, el, purposes, .attribute) }
        case .source:
            if let s = tag.attr(.srcset) { addSrcset(.srcset, s, el, purposes, single: .element) }
            if let s = tag.attr(.src) { addURL(.video, s, el, purposes, .element) }
        case .track, .embed, .iframe, .frame:
            if let s = tag.attr(.src) { addURL(.other, s, el, purposes, .element) }
        case .object:
            if let s = tag.attr(.data) { addURL(.other, s, el, purposes, .attribute) }
        case .link:
            if let rel = tag.attr(.rel), isFetchedRel(rel.value), let h = tag.attr(.href) {
                addURL(.link, h, el, purposes, .element)
            }
        case .svgImage, .feImage, .use:
            if let h = tag.attr(.href) ?? tag.attr(.xlinkHref) {
                let t = ASCII.trim(p, h.value)
                if !(kind == .use && !t.isEmpty && p[t.lowerBound] == 0x23) { addURL(.other, h, el, purposes, .element) }
            }
        case .vFill, .vImagedata, .vImage, .vBackground:
            if let s = tag.attr(.src) { addURL(.vml, s, el, purposes, .element) }
        case .ampImg, .ampAnim, .ampPixel, .ampIframe:
            if let s = tag.attr(.src) { addURL(.amp, s, el, purposes, .element) }
            if let s = tag.attr(.srcset) { addSrcset(.amp, s, el, purposes, single: .element) }
        case .ampVideo:
            if let s = tag.attr(.poster) { addURL(.amp, s, el, purposes, .attribute) }
            if let s = tag.attr(.src) { addURL(.amp, s, el, purposes, .attribute) }
        case .ampAnalytics:
            if let s = tag.attr(.config) { addURL(.amp, s, el, purposes, .element) }
        default:
            break
        }
        if let b = tag.attr(.background), !ASCII.trim(p, b.value).isEmpty {
            addURL(.backgroundAttr, b, el, purposes, .attribute)
        }
        if let st = tag.attr(.style), ASCII.find(0x28, p, from: st.value.lowerBound, to: st.value.upperBound) != nil {
            inlineCSS(st, el, purposes)
        }
        return hidden
    }

    /// `rel` has a token that makes the client fetch the link (stylesheet, preload, prefetch, prerender).
    func isFetchedRel(_ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i < r.upperBound {
            while i < r.upperBound && ASCII.isHTMLSpace(p[i]) { i += 1 }
            let s = i
            while i < r.upperBound && !ASCII.isHTMLSpace(p[i]) { i += 1 }
            let t = s..<i
            if ASCII.equalsLower(p, t, "stylesheet") || ASCII.equalsLower(p, t, "preload")
                || ASCII.equalsLower(p, t, "prefetch") || ASCII.equalsLower(p, t, "prerender") { return true }
        }
        return false
    }

    func tokens(_ r: Range<Int>) -> [String] {
        decodedString(r).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" || $0 == "," })
            .map(String.init)
    }

    func decodedString(_ r: Range<Int>) -> String {
        if CharacterReference.needsDecoding(p, r) { return String(decoding: CharacterReference.decodeAttribute(p, r), as: UTF8.self) }
        return ASCII.string(p, r)
    }

    mutating func addURL(_ vector: Vector, _ span: AttrSpan, _ el: ElementInfo, _ purposes: [String]?, _ removal: Removal) {
        let raw = ASCII.trim(p, span.value)
        guard !raw.isEmpty else { return }
        var url = decodedString(raw)
        if url.utf8.contains(where: { ASCII.isHTMLSpace($0) }) { url = String(url.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed()) }
        let edit: HTMLEdit = removal == .attribute ? .delete(span.whole) : .delete(el.range)
        out.resources.append(Resource(vector: vector, url: url, urlRange: raw, element: el, declaredPurposes: purposes,
                                      removal: edit, context: .attribute))
        if removal == .element && !tag.selfClosing && !TagKind.classify(p, tag.name).isVoid {
            elementRemovals.append(out.resources.count - 1)
            currentTagRemovals.append(out.resources.count - 1)
        }
    }

    mutating func addSrcset(_ vector: Vector, _ span: AttrSpan, _ el: ElementInfo, _ purposes: [String]?, single: Removal) {
        let raw = span.value
        guard !raw.isEmpty else { return }
        if CharacterReference.needsDecoding(p, raw) {
            var map = [Int]()
            let decoded = CharacterReference.decodeAttribute(p, raw, map: &map)
            decoded.withUnsafeBytes { d in
                let cands = Srcset.parse(d, 0..<d.count)
                for k in cands.indices {
                    let url = ASCII.string(d, cands[k].url)
                    let ur = map[cands[k].url.lowerBound]..<map[cands[k].url.upperBound]
                    let rr = Srcset.removalRange(cands, k).map { map[$0.lowerBound]..<map[$0.upperBound] }
                    appendCandidate(vector, url, ur, rr, span, el, purposes, single)
                }
            }
        } else {
            let cands = Srcset.parse(p, raw)
            for k in cands.indices {
                appendCandidate(vector, ASCII.string(p, cands[k].url), cands[k].url, Srcset.removalRange(cands, k), span, el, purposes, single)
            }
        }
    }

    private mutating func appendCandidate(_ vector: Vector, _ url: String, _ ur: Range<Int>, _ rr: Range<Int>?, _ span: AttrSpan,
                                          _ el: ElementInfo, _ purposes: [String]?, _ single: Removal) {
        let edit: HTMLEdit
        if let rr { edit = .delete(rr) } else { edit = single == .attribute ? .delete(span.whole) : .delete(el.range) }
        out.resources.append(Resource(vector: vector, url: url, urlRange: ur, element: el, declaredPurposes: purposes,
                                      removal: edit, context: .attribute))
        if rr == nil && single == .element && !tag.selfClosing && !TagKind.classify(p, tag.name).isVoid {
            elementRemovals.append(out.resources.count - 1)
            currentTagRemovals.append(out.resources.count - 1)
        }
    }

    mutating func inlineCSS(_ st: AttrSpan, _ el: ElementInfo, _ purposes: [String]?) {
        var found = [CSSURL]()
        if CharacterReference.needsDecoding(p, st.value) {
            var map = [Int]()
            let decoded = CharacterReference.decodeAttribute(p, st.value, map: &map)
            decoded.withUnsafeBytes { d in CSSScanner.scan(d, 0..<d.count, inline: true, into: &found) }
            for var u in found {
                u.urlRange = map[u.urlRange.lowerBound]..<map[u.urlRange.upperBound]
                u.removal.range = map[u.removal.range.lowerBound]..<map[u.removal.range.upperBound]
                appendCSS(u, el, purposes, inAttribute: true)
            }
        } else {
            CSSScanner.scan(p, st.value, inline: true, into: &found)
            for u in found { appendCSS(u, el, purposes, inAttribute: true) }
        }
    }

    mutating func appendCSS(_ u: CSSURL, _ el: ElementInfo, _ purposes: [String]?, inAttribute: Bool) {
        guard !u.value.isEmpty else { return }
        let vector: Vector
        switch u.kind {
        case .import: vector = .import
        case .font: vector = .font
        case .url: vector = inAttribute ? .cssInline : .cssBlock
        }
        out.resources.append(Resource(vector: vector, url: u.value, urlRange: u.urlRange, element: el, declaredPurposes: purposes,
                                      removal: u.removal,
                                      context: inAttribute ? .cssInAttribute(quoted: u.quoted) : .cssInStyleElement(quoted: u.quoted)))
    }

    /// FNV-1a of a lower-cased class name (no allocation per class token).
    static func classHash(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in r { h = (h ^ UInt64(ASCII.lower(p[i]))) &* 0x100_0000_01b3 }
        return h
    }

    static func classHash(_ name: String) -> UInt64 {
        Array(name.utf8).withUnsafeBytes { classHash($0, 0..<$0.count) }
    }

    /// `<style>` element content.
    mutating func styleBlock(_ content: Range<Int>, styleTag: Range<Int>) {
        if classRules.count < ScanState.maxClassRules {
            CSSScanner.classRules(p, content, into: &classRules, limit: ScanState.maxClassRules)
            hiddenClasses.insert(classRules.hidden)
            tinyClasses.insert(classRules.tiny)
            revealedClasses.insert(classRules.revealed)
        }
        var found = [CSSURL]()
        CSSScanner.scan(p, content, inline: false, into: &found)
        guard !found.isEmpty else { return }
        let el = ElementInfo(tagName: "style", range: styleTag, inHiddenWrapper: !hiddenStack.isEmpty)
        let purposes = lastPurposes
        for u in found { appendCSS(u, el, purposes, inAttribute: false) }
    }

    /// URLs in the JSON configuration of `<amp-analytics>` (its requests); removal is the whole element.
    mutating func ampConfigJSON(_ content: Range<Int>, element: ElementInfo, purposes: [String]?) {
        var i = content.lowerBound
        let end = content.upperBound
        while i < end {
            guard let q = ASCII.find(0x22, p, from: i, to: end) else { return }
            var j = q + 1
            while j < end && p[j] != 0x22 { j += p[j] == 0x5C ? 2 : 1 }
            let inner = (q + 1)..<min(j, end)
            if ASCII.matchesLower(p, inner.lowerBound, "https:") || ASCII.matchesLower(p, inner.lowerBound, "http:")
                || ASCII.matchesLower(p, inner.lowerBound, "//") || ASCII.matchesLower(p, inner.lowerBound, "https:\\/\\/") {
                var s = ASCII.string(p, inner)
                if s.contains("\\") { s = String(s.split(separator: "\\/", omittingEmptySubsequences: false).joined(separator: "/")) }
                out.resources.append(Resource(vector: .amp, url: s, urlRange: inner, element: element, declaredPurposes: purposes,
                                              removal: .delete(element.range), context: .json))
                elementRemovals.append(out.resources.count - 1)
                if let a = ampAnalyticsPending, a < pending.count { pending[a].resources.append(out.resources.count - 1) }
            }
            i = j + 1
        }
    }
}

/// Hashes (ScanState.classHash) of class names, with one bit per (hash & 63) so that most class
/// tokens of an element are rejected without a set look-up.
struct ClassSet {
    private var hashes: Set<UInt64> = []
    private var mask: UInt64 = 0

    mutating func insert(_ names: Set<String>) {
        for n in names {
            let h = ScanState.classHash(n)
            hashes.insert(h)
            mask |= 1 << (h & 63)
        }
    }

    /// One of the whitespace-separated class tokens in `p[r]` is in the set.
    func containsAny(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        guard mask != 0 else { return false }
        var i = r.lowerBound
        while i < r.upperBound {
            while i < r.upperBound && ASCII.isHTMLSpace(p[i]) { i += 1 }
            let s = i
            while i < r.upperBound && !ASCII.isHTMLSpace(p[i]) { i += 1 }
            guard i > s && i - s <= 64 else { continue }
            let h = ScanState.classHash(p, s..<i)
            if mask & (1 << (h & 63)) != 0 && hashes.contains(h) { return true }
        }
        return false
    }
}

// HTMLScanner: the tokenizer driver. It walks a whole decoded HTML (or AMP) part following the WHATWG
// tokenizer states — data (tag starts found with memchr), tag open, end tag open, markup declaration,
// comments (incl. `<!-->`, `--!>`), bogus comments, DOCTYPE (skipped), RAWTEXT/RCDATA for style,
// script, title, textarea, xmp, iframe, noembed, noframes, and plaintext — and hands each start tag to
// ResourceExtractor. Conditional comments `<!--[if mso]>…<![endif]-->` are tokenized too (Outlook
// renders them); downlevel-revealed `<![if !mso]>` is a bogus comment whose content is ordinary markup.
// `<style>` content goes through CSSScanner; `<amp-analytics>` JSON config through a URL finder.
// A small stack of open hidden elements gives `inHiddenWrapper`. `<noscript>` content is ordinary
// markup (mail clients run no scripts, so they render it and fetch its images).
// Guarantees: linear time in the input (each byte is visited a bounded number of times; conditional
// comment nesting is bounded), no allocation per token on the fast path, never crashes on any input.
// Not streaming: the input is a whole decoded part.

public enum HTMLScanner {
    /// Scans a whole HTML document.
    public static func scan(_ html: UnsafeRawBufferPointer) -> HTMLScan {
        var s = ScanState(html)
        s.run(from: 0, to: html.count, depth: 0)
        s.finish()
        s.resolveAgainstBase()
        return s.out
    }

    /// Convenience over a byte array.
    public static func scan(_ html: [UInt8]) -> HTMLScan {
        html.withUnsafeBytes { scan($0) }
    }
}

struct PendingElement {
    var key: UInt64
    var nameLength: Int
    var nested: Int
    var resources: [Int]
}

struct HiddenOpen {
    var key: UInt64
    var nameLength: Int
    var nested: Int
}

struct ScanState {
    let p: UnsafeRawBufferPointer
    var tag = TagParser()
    var out = HTMLScan()
    var hiddenStack: [HiddenOpen] = []
    /// Resource indices whose removal is their whole element, in document order.
    var elementRemovals: [Int] = []
    /// Of those, the ones added for the start tag being handled (they wait for its end tag).
    var currentTagRemovals: [Int] = []
    /// Open elements removed whole, waiting for their end tag (resolved as the tokenizer meets it).
    var pending: [PendingElement] = []
    /// Index in `pending` of the open `<amp-analytics>`, whose JSON URLs attach to it.
    var ampAnalyticsPending: Int?
    /// Most open elements waiting for an end tag; beyond it a removal is the start tag alone.
    static let maxPending = 1024
    /// Most nested hidden elements tracked (deeper ones still count as inside a hidden wrapper).
    static let maxHiddenDepth = 256
    /// The `<style>` class rules seen so far (CSSScanner.ClassRules, at most `maxClassRules` names)
    /// and their hashes: a hidden class hides an element, a tiny class sizes one that has no size of
    /// its own, and a revealed class (shown again inside `@media`) cancels the element's hiding, so
    /// neither it nor what it wraps counts as hidden.
    var classRules = CSSScanner.ClassRules()
    var hiddenClasses = ClassSet()
    var tinyClasses = ClassSet()
    var revealedClasses = ClassSet()
    /// Most class names remembered from style sheets.
    static let maxClassRules = 512
    /// Start tag range of the open `<amp-analytics>`, if any.
    var ampAnalytics: (info: ElementInfo, purposes: [String]?)?
    /// Declared purposes of the last start tag handled by the extractor.
    var lastPurposes: [String]?
    /// The href of the first `<base>` element, decoded.
    var baseHref: String?

    /// Maximum conditional-comment recursion (a comment cannot contain a comment end, so 2 suffices).
    static let maxConditionalDepth = 4

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    mutating func run(from start: Int, to limit: Int, depth: Int) {
        var i = start
        while i < limit {
            guard let lt = ASCII.find(0x3C, p, from: i, to: limit) else { return }
            guard lt + 1 < limit else { return }
            let c = p[lt + 1]
            if ASCII.isAlpha(c) {
                guard tag.parse(p, lt: lt, limit: limit, isEnd: false) else { return }
                i = startTag(lt: lt, limit: limit)
            } else if c == 0x2F { // '/'
                guard lt + 2 < limit else { return }
                let d = p[lt + 2]
                if ASCII.isAlpha(d) {
                    guard tag.parse(p, lt: lt, limit: limit, isEnd: true) else { return }
                    endTag(lt: lt, depth: depth)
                    i = tag.end
                } else if d == 0x3E {
                    i = lt + 3
                } else {
                    i = bogusComment(lt + 2, limit)
                }
            } else if c == 0x21 { // '!'
                i = markupDeclaration(lt: lt, limit: limit, depth: depth)
            } else if c == 0x3F { // '?'
                i = bogusComment(lt + 1, limit)
            } else {
                i = lt + 1
            }
        }
    }

    func bogusComment(_ from: Int, _ limit: Int) -> Int {
        guard let gt = ASCII.find(0x3E, p, from: from, to: limit) else { return limit }
        return gt + 1
    }

    mutating func markupDeclaration(lt: Int, limit: Int, depth: Int) -> Int {
        let s = lt + 2
        if s + 1 < limit && p[s] == 0x2D && p[s + 1] == 0x2D {
            // Comment start state.
            let cs = s + 2
            if cs < limit && p[cs] == 0x3E { return cs + 1 }                       // <!-->
            if cs + 1 < limit && p[cs] == 0x2D && p[cs + 1] == 0x3E { return cs + 2 } // <!--->
            // Find the comment end: "-->" or "--!>".
            var j = cs
            var contentEnd = limit
            var next = limit
            while j < limit {
                guard let dash = ASCII.find(0x2D, p, from: j, to: limit) else { break }
                if dash + 2 < limit && p[dash + 1] == 0x2D && p[dash + 2] == 0x3E {
                    contentEnd = dash; next = dash + 3; break
                }
                if dash + 3 < limit && p[dash + 1] == 0x2D && p[dash + 2] == 0x21 && p[dash + 3] == 0x3E {
                    contentEnd = dash; next = dash + 4; break
                }
                j = dash + 1
            }
            conditional(cs, contentEnd, depth: depth)
            return next
        }
        if ASCII.matchesLower(p, s, "doctype") || ASCII.matchesLower(p, s, "[cdata[") {
            return bogusComment(s, limit)
        }
        // Downlevel-revealed conditionals (<![if !mso]>, <![endif]>) and other bogus comments.
        return bogusComment(s, limit)
    }

    /// Tokenizes the content of `<!--[if ...]> ... <![endif]-->`.
    mutating func conditional(_ cs: Int, _ ce: Int, depth: Int) {
        guard depth < ScanState.maxConditionalDepth else { return }
        var i = cs
        while i < ce && ASCII.isHTMLSpace(p[i]) { i += 1 }
        guard i + 3 <= ce, p[i] == 0x5B, ASCII.matchesLower(p, i + 1, "if") else { return }
        guard let close = ASCII.find(0x5D, p, from: i, to: ce), close + 1 < ce, p[close + 1] == 0x3E else { return }
        let innerStart = close + 2
        var innerEnd = ce
        // Trailing "<![endif]" (search backwards for "<!").
        var k = ce - 1
        while k > innerStart {
            if p[k] == 0x3C, k + 2 < ce, p[k + 1] == 0x21, p[k + 2] == 0x5B, ASCII.matchesLower(p, k + 3, "endif") {
                innerEnd = k; break
            }
            k -= 1
        }
        guard innerStart < innerEnd else { return }
        let savedStack = hiddenStack
        run(from: innerStart, to: innerEnd, depth: depth + 1)
        hiddenStack = savedStack
    }

    mutating func endTag(lt: Int, depth: Int) {
        let n = tag.name
        if depth == 0 && n.count == 4 {
            if ASCII.matchesLower(p, n.lowerBound, "body") { out.bodyEnd = lt }
            else if ASCII.matchesLower(p, n.lowerBound, "html") { out.htmlEnd = lt }
        }
        if !hiddenStack.isEmpty {
            let k = ScanState.key(p, n)
            if let top = hiddenStack.last, top.nameLength == n.count, top.key == k {
                if top.nested > 0 { hiddenStack[hiddenStack.count - 1].nested -= 1 } else { hiddenStack.removeLast() }
            } else if n.count == 4 && (k == ScanState.bodyKey || k == ScanState.htmlKey) {
                hiddenStack.removeAll(keepingCapacity: true)
            } else if let deeper = hiddenStack.lastIndex(where: { $0.nameLength == n.count && $0.key == k }) {
                // An end tag that closes an ancestor also closes the hidden elements opened inside it
                // whose end tags were implied (<p>, <td>, <li> ...).
                hiddenStack.removeSubrange(deeper...)
            }
        }
        if ampAnalytics != nil, n.count == 13, ASCII.matchesLower(p, n.lowerBound, "amp-analytics") { ampAnalytics = nil }
        if !pending.isEmpty {
            let k = ScanState.key(p, n)
            if let at = pending.lastIndex(where: { $0.nameLength == n.count && $0.key == k }) {
                if pending[at].nested > 0 {
                    pending[at].nested -= 1
                } else {
                    for idx in pending[at].resources { out.resources[idx].element.endRange = lt..<tag.end }
                    pending.removeSubrange(at...) // elements opened inside it are implicitly closed
                    if let a = ampAnalyticsPending, a >= pending.count { ampAnalyticsPending = nil }
                }
            }
        }
    }

    /// Handles the start tag just parsed; returns where tokenizing resumes.
    mutating func startTag(lt: Int, limit: Int) -> Int {
        let kind = TagKind.classify(p, tag.name)
        var resume = tag.end
        let interesting = kind != .other || tag.present != 0
        var hiddenSelf: HiddenFlags = []
        if !currentTagRemovals.isEmpty { currentTagRemovals.removeAll(keepingCapacity: true) }
        if interesting {
            hiddenSelf = extract(kind: kind, lt: lt)
        }
        // Hidden-wrapper stack. A block start tag implicitly closes an open <p> (WHATWG).
        if let top = hiddenStack.last, top.nameLength == 1, top.key == 0x70, ScanState.closesP.contains(ASCII.lowerString(p, tag.name)) {
            if top.nested > 0 { hiddenStack[hiddenStack.count - 1].nested -= 1 } else { hiddenStack.removeLast() }
        }
        if !kind.isVoid && !tag.selfClosing {
            if let top = hiddenStack.last, top.nameLength == tag.name.count, top.key == ScanState.key(p, tag.name) {
                hiddenStack[hiddenStack.count - 1].nested += 1
            }
            if hiddenSelf.hidesBox && hiddenStack.count < ScanState.maxHiddenDepth {
                hiddenStack.append(HiddenOpen(key: ScanState.key(p, tag.name), nameLength: tag.name.count, nested: 0))
            }
        }
        if kind == .ampAnalytics && !tag.selfClosing {
            let info = ElementInfo(tagName: "amp-analytics", range: lt..<tag.end, inHiddenWrapper: !hiddenStack.isEmpty)
            ampAnalytics = (info, lastPurposes)
        }
        let waitsForEnd = !tag.selfClosing && !kind.isVoid && !kind.isRawText && (!currentTagRemovals.isEmpty || kind == .ampAnalytics)
            && pending.count < ScanState.maxPending
        if !waitsForEnd, !tag.selfClosing, let top = pending.last, top.nameLength == tag.name.count, top.key == ScanState.key(p, tag.name) {
            pending[pending.count - 1].nested += 1 // same-name element inside it: its end tag is not ours
        }
        if waitsForEnd {
            pending.append(PendingElement(key: ScanState.key(p, tag.name), nameLength: tag.name.count, nested: 0, resources: currentTagRemovals))
            if kind == .ampAnalytics { ampAnalyticsPending = pending.count - 1 }
        }
        // RAWTEXT / RCDATA / PLAINTEXT.
        switch kind {
        case .plaintext:
            return limit
        case .style, .script, .title, .textarea, .xmp, .noembed, .noframes, .iframe:
            if tag.selfClosing && kind != .script && kind != .style { break }
            let nameRange = tag.name
            let contentStart = tag.end
            let (contentEnd, after) = rawTextEnd(nameRange, from: contentStart, limit: limit)
            if contentEnd < limit && !tag.selfClosing {
                for idx in currentTagRemovals { out.resources[idx].element.endRange = contentEnd..<after }
            }
            if kind == .style {
                styleBlock(contentStart..<contentEnd, styleTag: lt..<contentStart)
            } else if kind == .script, let amp = ampAnalytics {
                ampConfigJSON(contentStart..<contentEnd, element: amp.info, purposes: amp.purposes)
            }
            resume = after
        default:
            break
        }
        return resume
    }

    /// Finds `</name` followed by whitespace, '/' or '>' after `from`. Returns (content end, resume index).
    func rawTextEnd(_ name: Range<Int>, from: Int, limit: Int) -> (Int, Int) {
        var i = from
        let n = name.count
        while i < limit {
            guard let lt = ASCII.find(0x3C, p, from: i, to: limit) else { break }
            if lt + 2 + n <= limit, p[lt + 1] == 0x2F {
                var same = true
                for k in 0..<n where ASCII.lower(p[lt + 2 + k]) != ASCII.lower(p[name.lowerBound + k]) { same = false; break }
                if same {
                    let after = lt + 2 + n
                    if after == limit { return (lt, limit) }
                    let c = p[after]
                    if ASCII.isHTMLSpace(c) || c == 0x2F || c == 0x3E {
                        let gt = ASCII.find(0x3E, p, from: after, to: limit) ?? (limit - 1)
                        return (lt, gt + 1)
                    }
                }
            }
            i = lt + 1
        }
        return (limit, limit)
    }

    /// Start tags that close an open `<p>` element.
    static let closesP: Set<String> = ["address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
                                       "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
                                       "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre",
                                       "section", "summary", "table", "ul"]
    static let bodyKey: UInt64 = 0x626F_6479 // "body"
    static let htmlKey: UInt64 = 0x6874_6D6C // "html"

    /// Lower-cased first 8 bytes of a name, for cheap tag identity in the hidden stack.
    static func key(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> UInt64 {
        var k: UInt64 = 0
        var i = r.lowerBound
        let e = min(r.upperBound, r.lowerBound + 8)
        while i < e { k = (k << 8) | UInt64(ASCII.lower(p[i])); i += 1 }
        return k
    }

    /// Makes every relative resource URL absolute against the document's `<base href>`, which applies
    /// to the whole document wherever the element stands. Ranges are untouched: only `url` changes.
    mutating func resolveAgainstBase() {
        guard let href = baseHref, let base = BaseURL(href) else { return }
        out.baseURL = href
        for i in out.resources.indices { out.resources[i].url = base.resolve(out.resources[i].url) }
    }

    /// Sets each whole-element removal to start tag through end tag (when the end tag was met). As a
    /// safety net, a removal that would partially overlap an earlier one falls back to its start tag, so
    /// that removals always nest or are disjoint (linear: starts are in document order).
    mutating func finish() {
        var open: [Range<Int>] = []
        for idx in elementRemovals {
            var r = out.resources[idx]
            var whole = r.element.fullRange
            while let top = open.last, top.upperBound <= whole.lowerBound { open.removeLast() }
            if let top = open.last, whole.upperBound > top.upperBound {
                r.element.endRange = nil
                whole = r.element.range
            }
            if open.last != whole { open.append(whole) }
            r.removal = .delete(whole)
            out.resources[idx] = r
        }
    }

}

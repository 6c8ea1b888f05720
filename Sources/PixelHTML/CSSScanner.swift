// CSSScanner: finds every fetchable URL in CSS text — `url(...)` (quoted or not, any case),
// `image-set("...")` strings, `@import "..."` / `@import url(...)`, and `@font-face { src: url() }` —
// in `<style>` blocks (with @media/@supports nesting, selectors like `::before`) and in `style`
// attribute declaration lists. It also reports, for each URL, the declaration that holds it and the
// edit that removes it while leaving valid CSS.
// Guarantees: linear time, never reads outside the given range, tolerates unterminated strings,
// comments and blocks; CSS escapes in URLs are undone in `value`. The removals of one scan are
// pairwise disjoint or nested, never partially overlapping (so any subset of them composes): where
// malformed CSS makes two declaration removals straddle each other, the earlier one falls back to
// replacing its url() token with `none` (found by fuzzing: fuzz/regressions/html/).

import Foundation

struct CSSURL {
    enum Kind { case url, `import`, font }
    var kind: Kind
    /// Raw bytes of the URL (inside quotes when quoted).
    var urlRange: Range<Int>
    /// The whole `url(...)` token, or the string token for `@import "..."`/image-set strings.
    var tokenRange: Range<Int>
    var quoted: Bool
    /// URL with CSS escapes undone.
    var value: String
    /// The edit that removes it: the `@import` rule, the declaration, or the url() token -> `none`.
    var removal: HTMLEdit
}

enum CSSScanner {
    /// Scans `p[range]`. `inline` is true for a `style` attribute (a declaration list, no blocks).
    static func scan(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, inline: Bool, into out: inout [CSSURL]) {
        let first = out.count
        defer { resolvePartialOverlaps(&out, from: first) }
        var i = range.lowerBound
        let end = range.upperBound
        var declStart = i
        var fontFaceDepth = 0 // >0 while inside @font-face { }
        var depth = 0
        var pendingFontFace = false
        while i < end {
            let b = p[i]
            switch b {
            case 0x2F: // '/'
                if i + 1 < end && p[i + 1] == 0x2A { i = skipComment(p, i, end) } else { i += 1 }
            case 0x22, 0x27:
                i = skipString(p, i, end)
            case 0x5C:
                i += 2
            case 0x7B: // '{'
                depth += 1
                if pendingFontFace { fontFaceDepth = depth; pendingFontFace = false }
                i += 1
                declStart = i
            case 0x7D: // '}'
                if fontFaceDepth == depth { fontFaceDepth = 0 }
                if depth > 0 { depth -= 1 }
                i += 1
                declStart = i
            case 0x3B: // ';'
                pendingFontFace = false
                i += 1
                declStart = i
            case 0x40: // '@'
                var j = i + 1
                while j < end && isIdent(p[j]) { j += 1 }
                if ASCII.equalsLower(p, (i + 1)..<j, "import") {
                    i = scanImport(p, at: i, after: j, end: end, into: &out)
                    declStart = i
                } else {
                    if ASCII.equalsLower(p, (i + 1)..<j, "font-face") { pendingFontFace = true }
                    i = j
                }
            case 0x75, 0x55: // 'u' / 'U'
                if i + 3 < end, (p[i + 1] | 0x20) == 0x72, (p[i + 2] | 0x20) == 0x6C, p[i + 3] == 0x28,
                   i == range.lowerBound || !isIdent(p[i - 1]) {
                    let kind: CSSURL.Kind = fontFaceDepth > 0 ? .font : .url
                    if var u = parseURLToken(p, at: i, end: end, kind: kind) {
                        u.removal = declarationRemoval(p, token: u.tokenRange, declStart: declStart, end: end)
                        out.append(u)
                        i = u.tokenRange.upperBound
                    } else {
                        i = end
                    }
                } else {
                    i += 1
                }
            case 0x69, 0x49, 0x2D: // image-set( / -webkit-image-set(
                var j = i
                if b == 0x2D, ASCII.matchesLower(p, i, "-webkit-") { j = i + 8 }
                if ASCII.matchesLower(p, j, "image-set("), i == range.lowerBound || !isIdent(p[i - 1]) {
                    i = scanImageSet(p, open: j + 9, end: end, declStart: declStart, fontFace: fontFaceDepth > 0, into: &out)
                } else {
                    i += 1
                }
            default:
                i += 1
            }
        }
        _ = inline
    }

    /// Makes the removals of `out[from...]` disjoint or nested: an earlier removal that a later one
    /// starts inside and outlasts is cut down to its url() token -> `none`, which ends before the
    /// later declaration starts (tokens never straddle a removal). The removals are visited by start,
    /// longest first, not in scan order: two declarations of malformed CSS can share a start and be
    /// scanned shortest first, which hid a straddle behind them (fuzz/regressions/html/
    /// html-crash-ac8e30bb...). The stack holds the removals still open, nested, innermost on top.
    static func resolvePartialOverlaps(_ out: inout [CSSURL], from: Int) {
        guard out.count - from > 1 else { return }
        let order = (from..<out.count).sorted {
            let a = out[$0].removal.range, b = out[$1].removal.range
            return a.lowerBound != b.lowerBound ? a.lowerBound < b.lowerBound : a.upperBound > b.upperBound
        }
        var open: [Int] = []
        for k in order {
            let r = out[k].removal.range
            while let top = open.last, out[top].removal.range.upperBound <= r.lowerBound { open.removeLast() }
            while let top = open.last, out[top].removal.range.upperBound < r.upperBound,
                  out[top].removal.range.lowerBound < r.lowerBound {
                out[top].removal = HTMLEdit(range: out[top].tokenRange, replacement: Array("none".utf8))
                open.removeLast()
            }
            open.append(k)
        }
    }

    @inline(__always) static func isIdent(_ b: UInt8) -> Bool {
        ASCII.isAlnum(b) || b == 0x2D || b == 0x5F || b >= 0x80
    }

    static func skipComment(_ p: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> Int {
        var j = i + 2
        while j + 1 < end {
            if p[j] == 0x2A && p[j + 1] == 0x2F { return j + 2 }
            j += 1
        }
        return end
    }

    /// Skips a string starting at the quote `p[i]`; returns the index after the closing quote.
    static func skipString(_ p: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> Int {
        let q = p[i]
        var j = i + 1
        while j < end {
            let c = p[j]
            if c == q { return j + 1 }
            if c == 0x5C { j += 2; continue }
            if c == 0x0A { return j } // unterminated: bad string ends at newline
            j += 1
        }
        return end
    }

    /// Skips a CSS escape at `p[i] == '\\'`: up to 6 hex digits and one whitespace, or one character.
    static func skipEscape(_ p: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> Int {
        var j = i + 1
        guard j < end else { return end }
        if ASCII.isHex(p[j]) {
            let s = j
            while j < end && j - s < 6 && ASCII.isHex(p[j]) { j += 1 }
            if j < end && ASCII.isHTMLSpace(p[j]) { j += 1 }
            return j
        }
        return j + 1
    }

    /// Parses `url(` at `i`. Returns nil when the input ends before the token could be delimited.
    static func parseURLToken(_ p: UnsafeRawBufferPointer, at i: Int, end: Int, kind: CSSURL.Kind) -> CSSURL? {
        var j = i + 4
        while j < end && ASCII.isHTMLSpace(p[j]) { j += 1 }
        guard j < end else { return nil }
        let q = p[j]
        var urlRange: Range<Int>
        var quoted = false
        if q == 0x22 || q == 0x27 {
            let close = skipString(p, j, end)
            let inner = (j + 1)..<max(j + 1, (close <= end && close > j + 1 && p[close - 1] == q) ? close - 1 : close)
            urlRange = inner
            quoted = true
            j = close
            while j < end && p[j] != 0x29 { j += 1 }
        } else {
            let s = j
            while j < end {
                let c = p[j]
                if c == 0x29 || ASCII.isHTMLSpace(c) { break }
                if c == 0x5C { j = skipEscape(p, j, end); continue }
                j += 1
            }
            j = min(j, end)
            urlRange = s..<j
            while j < end && p[j] != 0x29 { j += 1 }
        }
        let tokenEnd = j < end ? j + 1 : end
        urlRange = urlRange.clamped(to: i..<tokenEnd)
        return CSSURL(kind: kind, urlRange: urlRange, tokenRange: i..<tokenEnd, quoted: quoted,
                      value: unescape(p, urlRange), removal: .delete(i..<tokenEnd))
    }

    /// `@import` at `at` (the '@'), keyword ends at `after`. Returns where scanning resumes.
    static func scanImport(_ p: UnsafeRawBufferPointer, at: Int, after: Int, end: Int, into out: inout [CSSURL]) -> Int {
        var j = after
        while j < end && ASCII.isHTMLSpace(p[j]) { j += 1 }
        guard j < end else { return end }
        var found: CSSURL?
        if p[j] == 0x22 || p[j] == 0x27 {
            let close = skipString(p, j, end)
            let inner = (j + 1)..<max(j + 1, close > j + 1 && p[close - 1] == p[j] ? close - 1 : close)
            found = CSSURL(kind: .import, urlRange: inner, tokenRange: j..<close, quoted: true,
                           value: unescape(p, inner), removal: .delete(j..<close))
            j = close
        } else if ASCII.matchesLower(p, j, "url(") {
            found = parseURLToken(p, at: j, end: end, kind: .import)
            j = found?.tokenRange.upperBound ?? end
        }
        // The rule ends at ';' (or before '}' / at the end).
        var k = j
        while k < end && p[k] != 0x3B && p[k] != 0x7D {
            if p[k] == 0x22 || p[k] == 0x27 { k = skipString(p, k, end) } else { k += 1 }
        }
        let ruleEnd = k < end && p[k] == 0x3B ? k + 1 : k
        if var f = found {
            f.kind = .import
            f.removal = .delete(at..<ruleEnd)
            out.append(f)
        }
        return ruleEnd
    }

    /// Strings and url() inside `image-set(`; `open` is the index after '('.
    static func scanImageSet(_ p: UnsafeRawBufferPointer, open: Int, end: Int, declStart: Int, fontFace: Bool,
                             into out: inout [CSSURL]) -> Int {
        var j = open
        var level = 1
        while j < end && level > 0 {
            let c = p[j]
            if c == 0x22 || c == 0x27 {
                let close = skipString(p, j, end)
                let inner = (j + 1)..<max(j + 1, close > j + 1 && p[close - 1] == c ? close - 1 : close)
                var u = CSSURL(kind: fontFace ? .font : .url, urlRange: inner, tokenRange: j..<close, quoted: true,
                               value: unescape(p, inner), removal: .delete(j..<close))
                u.removal = declarationRemoval(p, token: u.tokenRange, declStart: declStart, end: end, forceDecl: true)
                out.append(u)
                j = close
            } else if (c | 0x20) == 0x75, ASCII.matchesLower(p, j, "url(") {
                if var u = parseURLToken(p, at: j, end: end, kind: fontFace ? .font : .url) {
                    u.removal = declarationRemoval(p, token: u.tokenRange, declStart: declStart, end: end, forceDecl: true)
                    out.append(u)
                    j = u.tokenRange.upperBound
                } else { return end }
            } else {
                if c == 0x28 { level += 1 } else if c == 0x29 { level -= 1 }
                j += 1
            }
        }
        return j
    }

    /// How to remove the url() token at `token` inside the declaration starting at `declStart`:
    /// the whole declaration when the URL is its only value (or the property cannot take `none`),
    /// otherwise the token becomes `none` (background shorthands, multiple layers).
    static func declarationRemoval(_ p: UnsafeRawBufferPointer, token: Range<Int>, declStart: Int, end: Int,
                                   forceDecl: Bool = false) -> HTMLEdit {
        // Property name.
        var s = declStart
        while s < token.lowerBound && (ASCII.isHTMLSpace(p[s])) { s += 1 }
        var colon = s
        while colon < token.lowerBound && p[colon] != 0x3A { colon += 1 }
        guard colon < token.lowerBound else { return HTMLEdit(range: token, replacement: Array("none".utf8)) }
        let nameRange = ASCII.trim(p, s..<colon)
        let prop = ASCII.lowerString(p, nameRange)
        // Declaration end: ';' (included) or '}' / end (excluded), skipping strings and parentheses.
        var k = token.upperBound
        var paren = 0
        while k < end {
            let c = p[k]
            if c == 0x22 || c == 0x27 { k = skipString(p, k, end); continue }
            if c == 0x28 { paren += 1 } else if c == 0x29 { paren = max(0, paren - 1) }
            else if paren == 0 && (c == 0x3B || c == 0x7D) { break }
            k += 1
        }
        let declEnd = k < end && p[k] == 0x3B ? k + 1 : k
        // Is the url the only value (ignoring whitespace and !important)?
        var sole = true
        var v = colon + 1
        while v < token.lowerBound { if !ASCII.isHTMLSpace(p[v]) { sole = false; break }; v += 1 }
        if sole {
            var w = token.upperBound
            let tailEnd = k
            while w < tailEnd {
                let c = p[w]
                if ASCII.isHTMLSpace(c) { w += 1; continue }
                if c == 0x21 && ASCII.matchesLower(p, w + 1, "important") { w += 10; continue }
                sole = false
                break
            }
        }
        let shorthand = prop == "background" || prop == "list-style" || prop == "border-image" || prop == "mask"
            || prop == "-webkit-mask" || prop == "border-image-source" || prop == "mask-image"
        if forceDecl || prop == "src" || prop == "content" || (sole && !shorthand) || (sole && prop == "background") {
            // Drop the declaration, keep the whitespace before it.
            return .delete(s..<declEnd)
        }
        return HTMLEdit(range: token, replacement: Array("none".utf8))
    }

    /// Undoes CSS escapes (`\2f `, `\/`, escaped newline) in a raw URL.
    static func unescape(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
        guard ASCII.find(0x5C, p, from: r.lowerBound, to: r.upperBound) != nil else {
            return ASCII.string(p, ASCII.trim(p, r))
        }
        var out = [UInt8]()
        var i = r.lowerBound
        while i < r.upperBound {
            let b = p[i]
            guard b == 0x5C, i + 1 < r.upperBound else { out.append(b); i += 1; continue }
            let n = p[i + 1]
            if n == 0x0A { i += 2; continue }
            if ASCII.isHex(n) {
                var v: UInt32 = 0
                var j = i + 1
                while j < r.upperBound && j < i + 7 && ASCII.isHex(p[j]) { v = v * 16 + ASCII.hexValue(p[j])!; j += 1 }
                if j < r.upperBound && ASCII.isHTMLSpace(p[j]) { j += 1 }
                out.append(contentsOf: CharacterReference.utf8([v == 0 ? 0xFFFD : CharacterReference.sanitize(v)]))
                i = j
            } else {
                out.append(n)
                i += 2
            }
        }
        var s = String(decoding: out, as: UTF8.self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return s
    }

    /// Each rule of a style sheet at this level, in order: `body(selector, block)` with both trimmed
    /// of nothing (the selector is raw up to `{`; the block is inside the braces). At-rules come as
    /// rules whose selector starts with `@`; their blocks are not entered. `body` returns false to stop.
    static func forEachRule(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>, Range<Int>) -> Bool) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            // Selector: up to '{' (skipping comments).
            let selStart = i
            while i < end && p[i] != 0x7B && p[i] != 0x7D {
                if p[i] == 0x2F && i + 1 < end && p[i + 1] == 0x2A { i = skipComment(p, i, end) } else { i += 1 }
            }
            guard i < end else { return }
            if p[i] == 0x7D { i += 1; continue }
            let selector = selStart..<i
            // Block: to the matching '}'.
            let blockStart = i + 1
            var depth = 1
            i += 1
            while i < end && depth > 0 {
                let c = p[i]
                if c == 0x22 || c == 0x27 { i = skipString(p, i, end); continue }
                if c == 0x2F && i + 1 < end && p[i + 1] == 0x2A { i = skipComment(p, i, end); continue }
                if c == 0x7B { depth += 1 } else if c == 0x7D { depth -= 1 }
                i += 1
            }
            guard body(selector, blockStart..<max(blockStart, i - 1)) else { return }
        }
    }

    /// What a style sheet's class rules do to the elements that carry the class (names lower-cased).
    struct ClassRules {
        /// Top-level rules whose selector list is made of simple class selectors (`.x`, `img.x`,
        /// `.a, .b`) and whose declarations hide the box (display:none, visibility:hidden, opacity:0,
        /// max-height:0, ...). Rules inside @media and other at-rules hide only in some clients.
        var hidden = Set<String>()
        /// Such rules that size the box to at most `tinySide` CSS pixels both ways (`.px{width:1px;height:1px}`).
        var tiny = Set<String>()
        /// Classes that a rule inside `@media` or `@supports` shows again: responsive and dark-mode
        /// e-mail hides a mobile-only block or a dark logo inline (`display:none; max-height:0`) and
        /// reveals it by class in a media query (`.mob { display:block !important }`). The classes are
        /// those of each selector's subject (its last compound: `dark-logo` in `[data-ogsc]
        /// .dark-logo`, `mob` in `table.mob`), for rules whose declarations show a box (`display`
        /// other than none, `visibility: visible`, a non-zero or `none`/`auto` (max-)height or
        /// (max-)width, a non-zero `opacity`) and hide nothing.
        var revealed = Set<String>()
        static let tinySide = 2
        var count: Int { hidden.count + tiny.count + revealed.count }
    }

    /// Adds the class rules of `p[range]` to `out` until it holds `limit` names.
    static func classRules(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, into out: inout ClassRules, limit: Int, depth: Int = 0) {
        forEachRule(p, range) { selector, block in
            let sel = ASCII.trim(p, selector)
            guard !sel.isEmpty else { return true }
            if p[sel.lowerBound] == 0x40 { // at-rule
                if depth < 4, ASCII.matchesLower(p, sel.lowerBound, "@media") || ASCII.matchesLower(p, sel.lowerBound, "@supports") {
                    classRules(p, block, into: &out, limit: limit, depth: depth + 1)
                }
                return out.count < limit
            }
            let style = InlineStyle(p, block)
            if depth > 0 {
                guard style.hidden.isEmpty, shows(p, block) else { return true }
                for name in subjectClasses(ASCII.string(p, sel)) where out.count < limit { out.revealed.insert(name) }
            } else if style.hidden.hidesBox {
                for name in simpleClasses(ASCII.string(p, sel)) ?? [] { out.hidden.insert(name) }
            } else if let w = style.width, let h = style.height, w <= ClassRules.tinySide, h <= ClassRules.tinySide {
                for name in simpleClasses(ASCII.string(p, sel)) ?? [] { out.tiny.insert(name) }
            }
            return out.count < limit
        }
    }

    /// The class names of a selector list made only of simple class selectors (`.x`, `img.x`), or nil.
    static func simpleClasses(_ selectors: String) -> [String]? {
        var names: [String] = []
        for part in selectors.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let dot = t.firstIndex(of: "."), t[t.index(after: dot)...].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                  t[t.startIndex..<dot].allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
            let name = t[t.index(after: dot)...]
            if !name.isEmpty { names.append(name.lowercased()) }
        }
        return names
    }

    /// The class names of each selector's subject (its last compound selector).
    static func subjectClasses(_ selectors: String) -> [String] {
        var names: [String] = []
        for part in selectors.split(separator: ",") {
            let subject = part.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == ">" || $0 == "+" || $0 == "~" }).last ?? ""
            for cls in subject.split(separator: ".", omittingEmptySubsequences: false).dropFirst() {
                let name = cls.prefix(while: { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                if !name.isEmpty && name.count <= 64 { names.append(name.lowercased()) }
            }
        }
        return names
    }

    /// A declaration list that makes a box visible (see `ClassRules.revealed`).
    static func shows(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i < r.upperBound {
            let semi = ASCII.find(0x3B, p, from: i, to: r.upperBound) ?? r.upperBound
            if let colon = ASCII.find(0x3A, p, from: i, to: semi) {
                let name = ASCII.trim(p, i..<colon), value = ASCII.trim(p, (colon + 1)..<semi)
                if !value.isEmpty {
                    if ASCII.equalsLower(p, name, "display") { return !ASCII.matchesLower(p, value.lowerBound, "none") }
                    if ASCII.equalsLower(p, name, "visibility") { return ASCII.matchesLower(p, value.lowerBound, "visible") }
                    if ASCII.equalsLower(p, name, "max-height") || ASCII.equalsLower(p, name, "height")
                        || ASCII.equalsLower(p, name, "max-width") || ASCII.equalsLower(p, name, "width")
                        || ASCII.equalsLower(p, name, "opacity") {
                        if ASCII.matchesLower(p, value.lowerBound, "none") || ASCII.matchesLower(p, value.lowerBound, "auto") { return true }
                        if let (v, _) = InlineStyle.number(p, value), v > 0 { return true }
                    }
                }
            }
            i = semi + 1
        }
        return false
    }
}

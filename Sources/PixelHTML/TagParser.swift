// TagParser: the WHATWG tag states — tag name, before/after attribute name, attribute name, before
// attribute value, attribute value (double-quoted, single-quoted, unquoted), after attribute value
// (quoted), self-closing start tag — over raw bytes. It records only the attributes PixelHTML reads
// (first occurrence wins, as in browsers) in fixed storage, so parsing a tag allocates nothing.
// Guarantees: never reads outside the buffer; a tag cut by the end of input is reported as nil
// (WHATWG drops it); `<img/src=x>` and multi-line, upper-case and unquoted attributes work.

/// One recorded attribute.
struct AttrSpan {
    /// Leading whitespace + name + '=' + value + closing quote: what to delete to drop the attribute.
    var whole: Range<Int>
    var name: Range<Int>
    /// The raw value without quotes (empty when the attribute has no value).
    var value: Range<Int>
    var quoted: Bool
}

struct TagParser {
    var name: Range<Int> = 0..<0
    var selfClosing = false
    /// Index just past '>'.
    var end = 0
    private(set) var present: UInt32 = 0
    private var storage: [AttrSpan]
    /// Repeated `data-tracking-purpose` attributes after the first (ignored by browsers, but stripped too).
    private(set) var extraPurposes: [Range<Int>] = []

    init() {
        storage = Array(repeating: AttrSpan(whole: 0..<0, name: 0..<0, value: 0..<0, quoted: false), count: AttrKind.count)
    }

    @inline(__always) func has(_ k: AttrKind) -> Bool { present & (1 << UInt32(k.rawValue)) != 0 }
    @inline(__always) func attr(_ k: AttrKind) -> AttrSpan? { has(k) ? storage[k.rawValue] : nil }

    /// End of an unquoted attribute value: the first HTML whitespace or '>' at or after `from`.
    /// Eight bytes at a time (SWAR pre-filter: a byte < 0x21 or == '>'), then an exact check.
    @inline(__always)
    static func unquotedValueEnd(_ p: UnsafeRawBufferPointer, from: Int, limit: Int) -> Int {
        var k = from
        guard let base = p.baseAddress else { return limit }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let gts: UInt64 = 0x3E3E_3E3E_3E3E_3E3E
        while k + 8 <= limit {
            let x = base.loadUnaligned(fromByteOffset: k, as: UInt64.self).littleEndian
            let lessThan21 = (x &- ones &* 0x21) & ~x & highs
            let y = x ^ gts
            let isGT = (y &- ones) & ~y & highs
            let m = lessThan21 | isGT
            if m == 0 { k += 8; continue }
            k += m.trailingZeroBitCount >> 3
            let c = p[k]
            if ASCII.isHTMLSpace(c) || c == 0x3E { return k }
            k += 1 // a control byte < 0x21 that is not whitespace: keep going
        }
        while k < limit {
            let c = p[k]
            if ASCII.isHTMLSpace(c) || c == 0x3E { return k }
            k += 1
        }
        return limit
    }

    /// Parses the tag whose '<' is at `lt` (the caller checked that a letter, or '/' + letter, follows).
    /// Returns false when the input ends inside the tag.
    mutating func parse(_ p: UnsafeRawBufferPointer, lt: Int, limit: Int, isEnd: Bool) -> Bool {
        present = 0
        selfClosing = false
        if !extraPurposes.isEmpty { extraPurposes.removeAll(keepingCapacity: true) }
        var i = lt + (isEnd ? 2 : 1)
        let nameStart = i
        // Tag name state.
        while i < limit {
            let b = p[i]
            if ASCII.isHTMLSpace(b) || b == 0x2F || b == 0x3E { break }
            i += 1
        }
        name = nameStart..<i
        // Attributes.
        while true {
            // Before attribute name state.
            let wsStart = i
            while i < limit && ASCII.isHTMLSpace(p[i]) { i += 1 }
            guard i < limit else { return false }
            var b = p[i]
            if b == 0x3E { end = i + 1; return true }
            if b == 0x2F {
                // Self-closing start tag state.
                i += 1
                guard i < limit else { return false }
                if p[i] == 0x3E { selfClosing = true; end = i + 1; return true }
                continue // reconsume in before attribute name state
            }
            // Attribute name state ('=' as the first character is part of the name).
            let an = i
            i += 1
            while i < limit {
                b = p[i]
                if ASCII.isHTMLSpace(b) || b == 0x2F || b == 0x3E || b == 0x3D { break }
                i += 1
            }
            let attrName = an..<i
            // After attribute name state.
            var j = i
            while j < limit && ASCII.isHTMLSpace(p[j]) { j += 1 }
            guard j < limit else { return false }
            var value = j..<j
            var quoted = false
            if p[j] == 0x3D {
                // Before attribute value state.
                j += 1
                while j < limit && ASCII.isHTMLSpace(p[j]) { j += 1 }
                guard j < limit else { return false }
                let q = p[j]
                if q == 0x22 || q == 0x27 {
                    guard let close = ASCII.find(q, p, from: j + 1, to: limit) else { return false }
                    value = (j + 1)..<close
                    quoted = true
                    i = close + 1
                } else if q == 0x3E {
                    value = j..<j // missing value; '>' ends the tag next round
                    i = j
                } else {
                    let k = TagParser.unquotedValueEnd(p, from: j, limit: limit)
                    value = j..<k
                    i = k
                }
            } else {
                i = attrName.upperBound // no value; reprocess from after the name (whitespace is skipped above)
            }
            if !isEnd, let kind = AttrKind.classify(p, attrName) {
                let bit: UInt32 = 1 << UInt32(kind.rawValue)
                if present & bit == 0 {
                    present |= bit
                    storage[kind.rawValue] = AttrSpan(whole: wsStart..<i, name: attrName, value: value, quoted: quoted)
                } else if kind == .purpose {
                    extraPurposes.append(wsStart..<i)
                }
            }
        }
    }
}

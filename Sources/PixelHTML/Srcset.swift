// Srcset: splits a `srcset` value into image candidates as the WHATWG "parse a srcset attribute"
// algorithm does (URL = run of non-whitespace, trailing commas end it; descriptors run to the next
// comma outside parentheses), and computes the edit that removes one candidate while leaving a valid
// srcset (its descriptors and the separator after it go with it).
// Guarantees: ranges index the buffer given; never reads outside `range`.

struct SrcsetCandidate {
    var url: Range<Int>
    /// URL through the end of its descriptors (comma excluded).
    var whole: Range<Int>
}

enum Srcset {
    static func parse(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) -> [SrcsetCandidate] {
        var out = [SrcsetCandidate]()
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            while i < end && (ASCII.isHTMLSpace(p[i]) || p[i] == 0x2C) { i += 1 }
            guard i < end else { break }
            let us = i
            while i < end && !ASCII.isHTMLSpace(p[i]) { i += 1 }
            var ue = i
            if p[ue - 1] == 0x2C {
                while ue > us && p[ue - 1] == 0x2C { ue -= 1 }
                if ue > us { out.append(SrcsetCandidate(url: us..<ue, whole: us..<ue)) }
                continue
            }
            // Descriptors.
            var paren = false
            var lastNonSpace = ue
            while i < end {
                let c = p[i]
                if c == 0x28 { paren = true } else if c == 0x29 { paren = false }
                else if c == 0x2C && !paren { break }
                if !ASCII.isHTMLSpace(c) { lastNonSpace = i + 1 }
                i += 1
            }
            out.append(SrcsetCandidate(url: us..<ue, whole: us..<lastNonSpace))
            if i < end { i += 1 } // the comma
        }
        return out
    }

    /// The range to delete to remove candidate `k` (nil when it is the only candidate: drop the attribute).
    /// A candidate goes with the separator after it; the last one leaves the previous separator (a
    /// trailing ", " is valid srcset). The ranges of different candidates never overlap, so removing
    /// several candidates of one srcset composes.
    static func removalRange(_ cands: [SrcsetCandidate], _ k: Int) -> Range<Int>? {
        guard cands.count > 1 else { return nil }
        if k + 1 < cands.count { return cands[k].whole.lowerBound..<cands[k + 1].whole.lowerBound }
        return cands[k].whole
    }
}

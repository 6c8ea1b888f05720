// HTMLRewriter: applies byte edits to a document. Edits are sorted; an edit contained in another
// (e.g. a URL replacement inside a removed element) is dropped; partially overlapping edits keep the
// earlier one. Unchanged runs are copied in bulk. Guarantees: output = input with exactly the kept
// edits applied; out-of-bounds edits are ignored, never trapped on.

public enum HTMLRewriter {
    /// The kept edits, sorted and non-overlapping (what `apply` will do).
    public static func normalize(_ edits: [HTMLEdit], count: Int) -> [HTMLEdit] {
        let valid = edits.filter { $0.range.lowerBound >= 0 && $0.range.upperBound <= count }
        // Sort by start; for equal starts the longer (containing) edit first.
        let sorted = valid.sorted {
            $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound
                : $0.range.upperBound > $1.range.upperBound
        }
        var kept = [HTMLEdit]()
        kept.reserveCapacity(sorted.count)
        for e in sorted {
            if let last = kept.last {
                if e.range.lowerBound < last.range.upperBound { continue } // contained or overlapping
                if e.range.isEmpty && last.range.isEmpty && e.range.lowerBound == last.range.lowerBound {
                    // Two insertions at the same point: keep both, in given order.
                    kept.append(e)
                    continue
                }
            }
            kept.append(e)
        }
        return kept
    }

    public static func apply(_ html: UnsafeRawBufferPointer, edits: [HTMLEdit]) -> [UInt8] {
        let kept = normalize(edits, count: html.count)
        var out = [UInt8]()
        out.reserveCapacity(html.count + kept.reduce(0) { $0 + $1.replacement.count })
        var pos = 0
        for e in kept {
            if e.range.lowerBound > pos { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: html[pos..<e.range.lowerBound])) }
            out.append(contentsOf: e.replacement)
            pos = max(pos, e.range.upperBound)
        }
        if pos < html.count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: html[pos..<html.count])) }
        return out
    }

    public static func apply(_ html: [UInt8], edits: [HTMLEdit]) -> [UInt8] {
        html.withUnsafeBytes { apply($0, edits: edits) }
    }
}

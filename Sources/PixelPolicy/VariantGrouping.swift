// VariantGrouping: which recipients can share one rendered copy (DESIGN "Data path" step 5).
// Guarantees: recipients share a variant only when their decisions keep the same trackers, gate none
// and add no footer (nothing personal in the copy). A recipient with a gated tracker or a footer
// (personal tokens) is a variant of its own. Every recipient index appears in exactly one group;
// groups keep the order of their first recipient.

public enum VariantGrouping {
    /// Groups recipient indices by decision.
    public static func group(_ decisions: [Decision]) -> [[Int]] {
        var groups: [[Int]] = []
        var shared: [[Int]: Int] = [:]
        for (i, d) in decisions.enumerated() {
            if d.footer != .none || !d.gatedIndices.isEmpty {
                groups.append([i])
                continue
            }
            let key = d.keptIndices
            if let g = shared[key] {
                groups[g].append(i)
            } else {
                shared[key] = groups.count
                groups.append([i])
            }
        }
        return groups
    }
}

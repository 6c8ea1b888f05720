// Histogram: a family of histograms with fixed upper bounds (Prometheus `histogram`), rendered as
// cumulative `_bucket{le="..."}` series ending with `le="+Inf"`, then `_sum` and `_count`.
// Guarantees: thread-safe; bounds are finite and strictly increasing (checked at registration);
// an observation lands in the first bucket whose bound is >= the value (so `le` is inclusive);
// NaN observations are ignored (they would poison `_sum`); +Inf counts only in `+Inf`.
public final class HistogramFamily: @unchecked Sendable, RenderableFamily {
    public let name: String
    public let help: String
    public let buckets: [Double]
    public var labelNames: [String] { store.labelNames }
    let store: SeriesStore<HistogramValue>

    init(name: String, help: String, labelNames: [String], buckets: [Double], maxSeries: Int) {
        self.name = name
        self.help = help
        self.buckets = buckets
        self.store = SeriesStore(metric: name, labelNames: labelNames, maxSeries: maxSeries,
                                 initial: HistogramValue(counts: [UInt64](repeating: 0, count: buckets.count + 1), sum: 0, count: 0))
    }

    public func labels(_ values: String...) -> Histogram { labels(values) }
    public func labels(_ values: [String]) -> Histogram { Histogram(store: store, slot: store.slot(values), buckets: buckets) }

    /// Observes into the unlabelled histogram.
    public func observe(_ v: Double) { labels([]).observe(v) }

    public func value(_ values: String...) -> HistogramValue? { store.value(for: values) }

    func render(into out: inout String) {
        out += TextFormat.header(name: name, help: help, type: "histogram")
        let names = store.labelNames
        for s in store.snapshot() {
            var cumulative: UInt64 = 0
            for (i, bound) in buckets.enumerated() {
                cumulative += s.value.counts[i]
                out += name + "_bucket" + TextFormat.labelBlock(names, s.labels, extra: ("le", TextFormat.number(bound))) + " " + String(cumulative) + "\n"
            }
            out += name + "_bucket" + TextFormat.labelBlock(names, s.labels, extra: ("le", "+Inf")) + " " + String(s.value.count) + "\n"
            out += name + "_sum" + TextFormat.labelBlock(names, s.labels) + " " + TextFormat.number(s.value.sum) + "\n"
            out += name + "_count" + TextFormat.labelBlock(names, s.labels) + " " + String(s.value.count) + "\n"
        }
    }
}

/// The state of one histogram series: per-bucket (not cumulative) counts, the last one for values
/// above every bound; the sum and count of the observations.
public struct HistogramValue: Sendable, Equatable {
    public var counts: [UInt64]
    public var sum: Double
    public var count: UInt64
}

public struct Histogram: Sendable {
    let store: SeriesStore<HistogramValue>
    let slot: Int
    let buckets: [Double]

    public func observe(_ v: Double) {
        guard !v.isNaN else { return }
        let i = buckets.firstIndex(where: { v <= $0 }) ?? buckets.count
        store.update(slot) {
            $0.counts[i] += 1
            $0.sum += v
            $0.count += 1
        }
    }

    public var value: HistogramValue { store.read(slot) }
}

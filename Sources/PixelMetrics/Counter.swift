// Counter: a family of monotonically increasing integer counters with labels (Prometheus
// `counter`). Guarantees: thread-safe; a value only grows (wrapping past UInt64.max is not
// reachable in practice and saturates); unlabelled families render 0 before the first increment.
public final class CounterFamily: @unchecked Sendable, RenderableFamily {
    public let name: String
    public let help: String
    public var labelNames: [String] { store.labelNames }
    let store: SeriesStore<UInt64>

    init(name: String, help: String, labelNames: [String], maxSeries: Int) {
        self.name = name
        self.help = help
        self.store = SeriesStore(metric: name, labelNames: labelNames, maxSeries: maxSeries, initial: 0)
    }

    /// The counter for these label values (one per label name, in order).
    public func labels(_ values: String...) -> Counter { labels(values) }
    public func labels(_ values: [String]) -> Counter { Counter(store: store, slot: store.slot(values)) }

    /// Adds to the unlabelled counter.
    public func inc(by amount: UInt64 = 1) { labels([]).inc(by: amount) }

    /// The current value of a series, or nil if it was never created.
    public func value(_ values: String...) -> UInt64? { store.value(for: values) }

    func render(into out: inout String) {
        out += TextFormat.header(name: name, help: help, type: "counter")
        for s in store.snapshot() {
            out += name + TextFormat.labelBlock(store.labelNames, s.labels) + " " + TextFormat.number(s.value) + "\n"
        }
    }
}

/// One labelled counter. Cheap to copy; keep it to avoid the label lookup on hot paths.
public struct Counter: Sendable {
    let store: SeriesStore<UInt64>
    let slot: Int

    public func inc(by amount: UInt64 = 1) {
        store.update(slot) {
            let (sum, overflow) = $0.addingReportingOverflow(amount)
            $0 = overflow ? .max : sum
        }
    }

    public var value: UInt64 { store.read(slot) }
}

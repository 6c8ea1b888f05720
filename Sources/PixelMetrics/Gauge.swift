// Gauge: a family of values that go up and down, with labels (Prometheus `gauge`).
// Guarantees: thread-safe; unlabelled families render 0 before the first set.
public final class GaugeFamily: @unchecked Sendable, RenderableFamily {
    public let name: String
    public let help: String
    public var labelNames: [String] { store.labelNames }
    let store: SeriesStore<Double>

    init(name: String, help: String, labelNames: [String], maxSeries: Int) {
        self.name = name
        self.help = help
        self.store = SeriesStore(metric: name, labelNames: labelNames, maxSeries: maxSeries, initial: 0)
    }

    public func labels(_ values: String...) -> Gauge { labels(values) }
    public func labels(_ values: [String]) -> Gauge { Gauge(store: store, slot: store.slot(values)) }

    /// Sets the unlabelled gauge.
    public func set(_ v: Double) { labels([]).set(v) }
    public func add(_ delta: Double) { labels([]).add(delta) }

    public func value(_ values: String...) -> Double? { store.value(for: values) }

    func render(into out: inout String) {
        out += TextFormat.header(name: name, help: help, type: "gauge")
        for s in store.snapshot() {
            out += name + TextFormat.labelBlock(store.labelNames, s.labels) + " " + TextFormat.number(s.value) + "\n"
        }
    }
}

public struct Gauge: Sendable {
    let store: SeriesStore<Double>
    let slot: Int

    public func set(_ v: Double) { store.update(slot) { $0 = v } }
    public func add(_ delta: Double) { store.update(slot) { $0 += delta } }
    public var value: Double { store.read(slot) }
}

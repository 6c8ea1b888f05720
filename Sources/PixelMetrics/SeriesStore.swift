// SeriesStore: the labelled series of one metric family, behind one lock. Each distinct tuple of
// label values gets a slot on first use; slots are never removed, so a handle stays valid.
// Guarantees: thread-safe; at most `maxSeries` distinct tuples, after which every new tuple shares
// one overflow series whose label values are all `SeriesStore.overflowValue` (so hostile label
// values cannot grow memory without bound, and nothing is dropped); a wrong number of label values
// is a programming error (precondition), never a silent mislabel.
import Foundation

final class SeriesStore<Value>: @unchecked Sendable {
    static var overflowValue: String { "overflow" }

    let metric: String
    let labelNames: [String]
    let maxSeries: Int
    private let initial: Value
    private let lock = NSLock()
    private var index: [[String]: Int] = [:]
    private var keys: [[String]] = []
    private var values: [Value] = []

    init(metric: String, labelNames: [String], maxSeries: Int, initial: Value) {
        self.metric = metric
        self.labelNames = labelNames
        self.maxSeries = max(1, maxSeries)
        self.initial = initial
        if labelNames.isEmpty { _ = slot([]) }
    }

    /// The slot for these label values, created on first use.
    func slot(_ labelValues: [String]) -> Int {
        precondition(labelValues.count == labelNames.count,
                     "\(metric): \(labelValues.count) label values for labels \(labelNames)")
        lock.lock(); defer { lock.unlock() }
        if let i = index[labelValues] { return i }
        var key = labelValues
        if keys.count >= maxSeries {
            key = labelNames.map { _ in Self.overflowValue }
            if let i = index[key] { return i }
        }
        index[key] = values.count
        keys.append(key)
        values.append(initial)
        return values.count - 1
    }

    func update(_ slot: Int, _ body: (inout Value) -> Void) {
        lock.lock(); defer { lock.unlock() }
        body(&values[slot])
    }

    func read(_ slot: Int) -> Value {
        lock.lock(); defer { lock.unlock() }
        return values[slot]
    }

    /// The value for exactly these label values, if that series exists.
    func value(for labelValues: [String]) -> Value? {
        lock.lock(); defer { lock.unlock() }
        return index[labelValues].map { values[$0] }
    }

    /// Every series, sorted by label values (deterministic output).
    func snapshot() -> [(labels: [String], value: Value)] {
        lock.lock()
        let pairs = zip(keys, values).map { (labels: $0, value: $1) }
        lock.unlock()
        return pairs.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }
}

// MetricsRegistry: the set of metric families of a process and their rendering in the Prometheus
// text exposition format 0.0.4. No I/O: the caller serves `render()` (e.g. on GET /metrics).
// Guarantees: thread-safe; families render in registration order, series sorted by label values;
// registering the same name again with the same type, labels (and buckets) returns the existing
// family, anything else is a typed `MetricsError` (bad names, reserved labels, name clashes
// including a histogram's `_bucket`/`_sum`/`_count`, bad buckets). Each family holds at most
// `maxSeriesPerFamily` label tuples (see SeriesStore's overflow series).
import Foundation

public enum MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidMetricName(String)
    case invalidLabelName(metric: String, label: String)
    case duplicateLabelName(metric: String, label: String)
    /// `le` on a histogram.
    case reservedLabelName(metric: String, label: String)
    /// The name is taken by a family of another shape (type, labels, buckets) or by a histogram's series.
    case conflictingRegistration(String)
    case invalidBuckets(metric: String, reason: String)

    public var description: String {
        switch self {
        case .invalidMetricName(let n): return "invalid metric name \"\(n)\""
        case .invalidLabelName(let m, let l): return "\(m): invalid label name \"\(l)\""
        case .duplicateLabelName(let m, let l): return "\(m): label \"\(l)\" given twice"
        case .reservedLabelName(let m, let l): return "\(m): label \"\(l)\" is reserved"
        case .conflictingRegistration(let n): return "metric \"\(n)\" is already registered with another shape"
        case .invalidBuckets(let m, let r): return "\(m): invalid buckets: \(r)"
        }
    }
}

/// A family the registry can render.
protocol RenderableFamily: AnyObject, Sendable {
    var name: String { get }
    func render(into out: inout String)
}

public final class MetricsRegistry: @unchecked Sendable {
    /// Default latency buckets in seconds (5 ms to 60 s).
    public static let defaultSecondsBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    public let maxSeriesPerFamily: Int
    private let lock = NSLock()
    private var families: [any RenderableFamily] = []
    private var byName: [String: any RenderableFamily] = [:]
    /// Names a new family may not take: every family's name, plus each histogram's derived names.
    private var taken: Set<String> = []

    public init(maxSeriesPerFamily: Int = 1000) {
        self.maxSeriesPerFamily = max(1, maxSeriesPerFamily)
    }

    public func counter(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> CounterFamily {
        try register(name, labels: labels, histogram: false,
                     existing: { ($0 as? CounterFamily).flatMap { $0.labelNames == labels ? $0 : nil } },
                     make: { CounterFamily(name: name, help: help, labelNames: labels, maxSeries: maxSeriesPerFamily) })
    }

    public func gauge(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> GaugeFamily {
        try register(name, labels: labels, histogram: false,
                     existing: { ($0 as? GaugeFamily).flatMap { $0.labelNames == labels ? $0 : nil } },
                     make: { GaugeFamily(name: name, help: help, labelNames: labels, maxSeries: maxSeriesPerFamily) })
    }

    public func histogram(_ name: String, help: String, labels: [String] = [],
                          buckets: [Double] = MetricsRegistry.defaultSecondsBuckets) throws(MetricsError) -> HistogramFamily {
        guard !buckets.isEmpty else { throw .invalidBuckets(metric: name, reason: "no bucket") }
        guard buckets.allSatisfy(\.isFinite) else { throw .invalidBuckets(metric: name, reason: "bounds must be finite (+Inf is implicit)") }
        guard zip(buckets, buckets.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalidBuckets(metric: name, reason: "bounds must be strictly increasing")
        }
        if let le = labels.first(where: { $0 == "le" }) { throw .reservedLabelName(metric: name, label: le) }
        return try register(name, labels: labels, histogram: true,
                            existing: { ($0 as? HistogramFamily).flatMap { $0.labelNames == labels && $0.buckets == buckets ? $0 : nil } },
                            make: { HistogramFamily(name: name, help: help, labelNames: labels, buckets: buckets, maxSeries: maxSeriesPerFamily) })
    }

    /// Every family, in the text exposition format 0.0.4 (ends with a newline when not empty).
    public func render() -> String {
        lock.lock()
        let all = families
        lock.unlock()
        var out = ""
        for f in all { f.render(into: &out) }
        return out
    }

    private func register<F: RenderableFamily>(_ name: String, labels: [String], histogram: Bool,
                                               existing: (any RenderableFamily) -> F?, make: () -> F) throws(MetricsError) -> F {
        guard TextFormat.isValidMetricName(name) else { throw .invalidMetricName(name) }
        var seen = Set<String>()
        for l in labels {
            guard TextFormat.isValidLabelName(l) else { throw .invalidLabelName(metric: name, label: l) }
            guard seen.insert(l).inserted else { throw .duplicateLabelName(metric: name, label: l) }
        }
        lock.lock(); defer { lock.unlock() }
        if let old = byName[name] {
            guard let same = existing(old) else { throw .conflictingRegistration(name) }
            return same
        }
        let derived = histogram ? ["_bucket", "_sum", "_count"].map { name + $0 } : []
        guard !taken.contains(name), derived.allSatisfy({ !taken.contains($0) }) else { throw .conflictingRegistration(name) }
        let f = make()
        families.append(f)
        byName[name] = f
        taken.insert(name)
        taken.formUnion(derived)
        return f
    }
}

// MetricsWiring: the process's metrics registry (docs/metrics.md), fed without touching PixelRelay
// or PixelWeb. `metered(_:)` wraps any relay planner in a decorator (`MeteredPlanner`): `plan` counts
// messages (by outcome), recipients and the trackers the engine found, kept and removed (read from
// the engine's per-recipient summaries on its PendingConsent), `finished` counts upstream replies by
// class and observes the latency from the end of DATA (plan start) to the last upstream answer.
// `webHooks` gives PixelWeb the `/metrics` text and counts gate hits by outcome.
// Guarantees: one registry per process, shared across SIGHUP reloads (counters never reset while
// the process lives); label values come from closed sets (known purpose ids or "unknown"/"none",
// PixelHTML vector names or "other", reply classes), so a hostile message cannot add series; the
// decorator never changes what the inner planner decides or throws.
import Foundation
import PixelEngine
import PixelHTML
import PixelMetrics
import PixelPolicy
import PixelRelay
import PixelWeb

/// The metric set of `pixelgate serve`.
final class ProcessMetrics: Sendable {
    /// Each family keeps at most this many label tuples (the labels are closed sets; this is a backstop).
    static let maxSeriesPerFamily = 1000
    /// Relay latency buckets, seconds.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    let registry: MetricsRegistry
    let messages: CounterFamily
    let recipients: CounterFamily
    let trackersFound: CounterFamily
    let trackersKept: CounterFamily
    let trackersRemoved: CounterFamily
    let upstreamReplies: CounterFamily
    let gateHits: CounterFamily
    let relaySeconds: HistogramFamily
    let startTime: GaugeFamily

    init(registry: MetricsRegistry = MetricsRegistry(maxSeriesPerFamily: ProcessMetrics.maxSeriesPerFamily),
         started: Date = Date()) throws(MetricsError) {
        self.registry = registry
        messages = try registry.counter("pixelgate_messages_total",
            help: "Messages received in full (end of DATA), by planning outcome: planned, tempfail (451, e.g. consent store down), rejected (e.g. 554 unparseable).",
            labels: ["outcome"])
        recipients = try registry.counter("pixelgate_recipients_total", help: "Recipients of planned messages.")
        let trackerLabels = ["purpose", "vector"]
        trackersFound = try registry.counter("pixelgate_trackers_found_total",
            help: "Trackers found in planned messages, once per message, by declared purpose and fetch vector.", labels: trackerLabels)
        trackersKept = try registry.counter("pixelgate_trackers_kept_total",
            help: "Trackers kept (behind the gate, or exempt) for a recipient, once per recipient.", labels: trackerLabels)
        trackersRemoved = try registry.counter("pixelgate_trackers_removed_total",
            help: "Trackers removed for a recipient, once per recipient.", labels: trackerLabels)
        upstreamReplies = try registry.counter("pixelgate_upstream_replies_total",
            help: "Upstream's final reply per recipient, by class (2xx, 4xx, 5xx, other).", labels: ["class"])
        gateHits = try registry.counter("pixelgate_gate_hits_total",
            help: "Requests to the gate /o/{token} by outcome: redirect (consent covers it), gif (no consent), invalid (forged, altered, expired token).",
            labels: ["outcome"])
        relaySeconds = try registry.histogram("pixelgate_relay_duration_seconds",
            help: "Seconds from the end of DATA (planning starts) until upstream has answered every variant.",
            buckets: Self.latencyBuckets)
        startTime = try registry.gauge("pixelgate_start_time_seconds", help: "Start time of the process, seconds since the Unix epoch.")
        startTime.set(started.timeIntervalSince1970.rounded())
        for o in GateOutcome.allCases { _ = gateHits.labels(o.rawValue) }
        for o in ["planned", "tempfail", "rejected"] { _ = messages.labels(o) }
        for c in ["2xx", "4xx", "5xx"] { _ = upstreamReplies.labels(c) }
    }

    func gateHit(_ outcome: GateOutcome) { gateHits.labels(outcome.rawValue).inc() }

    /// "2xx", "4xx", "5xx", or "other" for anything outside 200-599 or 1xx/3xx.
    static func replyClass(_ code: Int) -> String {
        switch code {
        case 200..<300: return "2xx"
        case 400..<500: return "4xx"
        case 500..<600: return "5xx"
        default: return "other"
        }
    }

    /// A known purpose id, "+"-joined in DESIGN order when a tracker has several; "unknown" when
    /// any declared id is not one of the seven; "none" when no purpose was attributed.
    static func purposeLabel(_ ids: [String]) -> String {
        if ids.isEmpty { return "none" }
        var known: [Purpose] = []
        for id in ids {
            guard let p = Purpose(id: id) else { return "unknown" }
            if !known.contains(p) { known.append(p) }
        }
        return known.sorted().map(\.id).joined(separator: "+")
    }

    static func vectorLabel(_ v: String) -> String { Vector(rawValue: v)?.rawValue ?? "other" }

    func count(_ family: CounterFamily, _ trackers: [TrackerRecord]) {
        for t in trackers { family.labels(Self.purposeLabel(t.purposes), Self.vectorLabel(t.vector)).inc() }
    }
}

enum MetricsWiring {
    /// The process's metrics (built once; the names are constants, so registration cannot fail).
    static let shared: ProcessMetrics = {
        do { return try ProcessMetrics() } catch { preconditionFailure("metric set: \(error)") }
    }()

    /// The hooks `serve` gives the HTTP server: `/metrics` text and gate outcomes.
    static var webHooks: WebHooks {
        let m = shared
        return WebHooks(metricsText: { m.registry.render() }, gateHit: { m.gateHit($0) })
    }

    /// `planner`, counted.
    static func metered(_ planner: any VariantPlanner) -> any VariantPlanner {
        MeteredPlanner(inner: planner, metrics: shared)
    }
}

/// What the decorator's `prepare` returns: the inner planner's value, plus the plan start time.
final class MeteredRecipient: @unchecked Sendable {
    let inner: any Sendable
    private let lock = NSLock()
    private var started: UInt64?

    init(inner: any Sendable) { self.inner = inner }

    func markStarted(_ t: UInt64) { lock.lock(); started = t; lock.unlock() }
    func startedAt() -> UInt64? { lock.lock(); defer { lock.unlock() }; return started }
}

/// Decorator over the relay's planner; see the file contract.
struct MeteredPlanner: VariantPlanner {
    let inner: any VariantPlanner
    let metrics: ProcessMetrics
    /// Monotonic nanoseconds.
    var clock: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }

    func prepare(recipient: String, session: String) -> any Sendable {
        MeteredRecipient(inner: inner.prepare(recipient: recipient, session: session))
    }

    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        let start = clock()
        for r in recipients { (r.prepared as? MeteredRecipient)?.markStarted(start) }
        let unwrapped = Self.unwrap(recipients)
        let variants: [PlannedVariant]
        do {
            variants = try inner.plan(message: message, recipients: unwrapped, context: context)
        } catch {
            switch error {
            case .tempfail: metrics.messages.labels("tempfail").inc()
            case .reject: metrics.messages.labels("rejected").inc()
            }
            throw error
        }
        metrics.messages.labels("planned").inc()
        metrics.recipients.inc(by: UInt64(recipients.count))
        let summaries = unwrapped.map { ($0.prepared as? PendingConsent)?.recipientSummary() }
        if let first = summaries.compactMap({ $0 }).first {
            metrics.count(metrics.trackersFound, first.kept + first.removed)
        }
        for s in summaries.compactMap({ $0 }) {
            metrics.count(metrics.trackersKept, s.kept)
            metrics.count(metrics.trackersRemoved, s.removed)
        }
        return variants
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {
        inner.finished(recipients: Self.unwrap(recipients), outcomes: outcomes, context: context)
        for o in outcomes { metrics.upstreamReplies.labels(ProcessMetrics.replyClass(o.code)).inc() }
        if let start = recipients.lazy.compactMap({ ($0.prepared as? MeteredRecipient)?.startedAt() }).first {
            let now = clock()
            metrics.relaySeconds.observe(now >= start ? Double(now - start) / 1e9 : 0)
        }
    }

    static func unwrap(_ recipients: [PlannedRecipient]) -> [PlannedRecipient] {
        recipients.map { r in
            guard let m = r.prepared as? MeteredRecipient else { return r }
            return PlannedRecipient(address: r.address, prepared: m.inner)
        }
    }
}

// Tests for PixelMetrics: the exact text exposition 0.0.4 rendering (HELP/TYPE, label escaping,
// number spelling, cumulative buckets, +Inf, _sum, _count), registration rules, the overflow
// series, and concurrent updates from many threads adding up exactly.
import Dispatch
import Testing
@testable import PixelMetrics

@Suite struct RenderingTests {
    @Test func counterWithAndWithoutLabels() throws {
        let r = MetricsRegistry()
        let plain = try r.counter("app_messages_total", help: "Messages planned.")
        let byClass = try r.counter("app_replies_total", help: "Upstream replies by class.", labels: ["class"])
        plain.inc()
        plain.inc(by: 2)
        byClass.labels("5xx").inc()
        byClass.labels("2xx").inc(by: 4)
        #expect(r.render() == """
        # HELP app_messages_total Messages planned.
        # TYPE app_messages_total counter
        app_messages_total 3
        # HELP app_replies_total Upstream replies by class.
        # TYPE app_replies_total counter
        app_replies_total{class="2xx"} 4
        app_replies_total{class="5xx"} 1

        """)
        #expect(byClass.value("2xx") == 4)
        #expect(byClass.value("4xx") == nil)
    }

    @Test func unlabelledFamiliesRenderZeroAndLabelledOnesOnlyTheirHeader() throws {
        let r = MetricsRegistry()
        _ = try r.counter("a_total", help: "A.")
        _ = try r.counter("b_total", help: "B.", labels: ["x"])
        _ = try r.gauge("c", help: "C.")
        #expect(r.render() == "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b_total B.\n# TYPE b_total counter\n# HELP c C.\n# TYPE c gauge\nc 0\n")
    }

    @Test func labelValuesAndHelpAreEscaped() throws {
        let r = MetricsRegistry()
        let c = try r.counter("esc_total", help: "Line one\nback\\slash \"quotes\" stay", labels: ["v", "w"])
        c.labels("a\"b\\c\nd", "é ü").inc()
        #expect(r.render() == """
        # HELP esc_total Line one\\nback\\\\slash "quotes" stay
        # TYPE esc_total counter
        esc_total{v="a\\"b\\\\c\\nd",w="é ü"} 1

        """)
    }

    @Test func gaugeNumbersAreSpelledAsPrometheusExpects() throws {
        let r = MetricsRegistry()
        let g = try r.gauge("g", help: "G.", labels: ["k"])
        g.labels("int").set(42)
        g.labels("frac").set(0.25)
        g.labels("neg").set(-3)
        g.labels("inf").set(.infinity)
        g.labels("ninf").set(-.infinity)
        g.labels("nan").set(.nan)
        g.labels("small").set(1e-05)
        g.labels("big").set(1e20)
        g.labels("moved").set(1)
        g.labels("moved").add(-0.5)
        let lines = Set(r.render().split(separator: "\n").map(String.init))
        for want in ["g{k=\"int\"} 42", "g{k=\"frac\"} 0.25", "g{k=\"neg\"} -3", "g{k=\"inf\"} +Inf", "g{k=\"ninf\"} -Inf",
                     "g{k=\"nan\"} NaN", "g{k=\"small\"} 1e-05", "g{k=\"big\"} 1e+20", "g{k=\"moved\"} 0.5"] {
            #expect(lines.contains(want), "missing \(want)")
        }
    }

    @Test func histogramIsCumulativeWithInclusiveBoundsAndInf() throws {
        let r = MetricsRegistry()
        let h = try r.histogram("lat_seconds", help: "Latency.", labels: ["route"], buckets: [0.1, 0.5, 2])
        let o = h.labels("o")
        for v in [0.05, 0.1, 0.3, 2, 7, .infinity, .nan] { o.observe(v) }
        h.labels("w").observe(0.5)
        #expect(r.render() == """
        # HELP lat_seconds Latency.
        # TYPE lat_seconds histogram
        lat_seconds_bucket{route="o",le="0.1"} 2
        lat_seconds_bucket{route="o",le="0.5"} 3
        lat_seconds_bucket{route="o",le="2"} 4
        lat_seconds_bucket{route="o",le="+Inf"} 6
        lat_seconds_sum{route="o"} +Inf
        lat_seconds_count{route="o"} 6
        lat_seconds_bucket{route="w",le="0.1"} 0
        lat_seconds_bucket{route="w",le="0.5"} 1
        lat_seconds_bucket{route="w",le="2"} 1
        lat_seconds_bucket{route="w",le="+Inf"} 1
        lat_seconds_sum{route="w"} 0.5
        lat_seconds_count{route="w"} 1

        """)
    }

    @Test func unlabelledHistogramRendersEmptyBuckets() throws {
        let r = MetricsRegistry()
        let h = try r.histogram("d_seconds", help: "D.", buckets: [1])
        #expect(r.render() == "# HELP d_seconds D.\n# TYPE d_seconds histogram\nd_seconds_bucket{le=\"1\"} 0\nd_seconds_bucket{le=\"+Inf\"} 0\nd_seconds_sum 0\nd_seconds_count 0\n")
        h.observe(0.75)
        #expect(h.value()?.counts == [1, 0])
        #expect(r.render().contains("d_seconds_sum 0.75\n"))
    }

    @Test func seriesAreSortedByLabelValues() throws {
        let r = MetricsRegistry()
        let c = try r.counter("s_total", help: "S.", labels: ["a", "b"])
        c.labels("z", "1").inc()
        c.labels("a", "2").inc()
        c.labels("a", "10").inc()
        let body = r.render().split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(body == ["s_total{a=\"a\",b=\"10\"} 1", "s_total{a=\"a\",b=\"2\"} 1", "s_total{a=\"z\",b=\"1\"} 1"])
    }
}

@Suite struct RegistrationTests {
    @Test func sameShapeReturnsTheSameFamily() throws {
        let r = MetricsRegistry()
        let a = try r.counter("x_total", help: "X.", labels: ["k"])
        let b = try r.counter("x_total", help: "X.", labels: ["k"])
        a.labels("v").inc()
        b.labels("v").inc()
        #expect(a === b)
        #expect(a.value("v") == 2)
    }

    @Test func otherShapesAndBadNamesAreTypedErrors() throws {
        let r = MetricsRegistry()
        _ = try r.counter("x_total", help: "X.", labels: ["k"])
        _ = try r.histogram("h_seconds", help: "H.")
        #expect(throws: MetricsError.conflictingRegistration("x_total")) { try r.counter("x_total", help: "X.", labels: ["j"]) }
        #expect(throws: MetricsError.conflictingRegistration("x_total")) { try r.gauge("x_total", help: "X.", labels: ["k"]) }
        #expect(throws: MetricsError.conflictingRegistration("h_seconds_count")) { try r.counter("h_seconds_count", help: "C.") }
        #expect(throws: MetricsError.conflictingRegistration("h_seconds")) { try r.histogram("h_seconds", help: "H.", buckets: [1]) }
        #expect(throws: MetricsError.invalidMetricName("9lives")) { try r.counter("9lives", help: "") }
        #expect(throws: MetricsError.invalidMetricName("a-b")) { try r.counter("a-b", help: "") }
        #expect(throws: MetricsError.invalidMetricName("")) { try r.counter("", help: "") }
        #expect(throws: MetricsError.invalidLabelName(metric: "y", label: "__name")) { try r.counter("y", help: "", labels: ["__name"]) }
        #expect(throws: MetricsError.invalidLabelName(metric: "y", label: "a.b")) { try r.counter("y", help: "", labels: ["a.b"]) }
        #expect(throws: MetricsError.duplicateLabelName(metric: "y", label: "a")) { try r.counter("y", help: "", labels: ["a", "a"]) }
        #expect(throws: MetricsError.reservedLabelName(metric: "z", label: "le")) { try r.histogram("z", help: "", labels: ["le"]) }
        #expect(throws: MetricsError.invalidBuckets(metric: "z", reason: "bounds must be strictly increasing")) {
            try r.histogram("z", help: "", buckets: [1, 1])
        }
        #expect(throws: MetricsError.invalidBuckets(metric: "z", reason: "bounds must be finite (+Inf is implicit)")) {
            try r.histogram("z", help: "", buckets: [1, .infinity])
        }
        #expect(throws: MetricsError.invalidBuckets(metric: "z", reason: "no bucket")) { try r.histogram("z", help: "", buckets: []) }
        #expect(TextFormat.isValidMetricName("ns:sub_total") && TextFormat.isValidLabelName("_ok"))
    }

    @Test func tooManySeriesShareOneOverflowSeries() throws {
        let r = MetricsRegistry(maxSeriesPerFamily: 3)
        let c = try r.counter("o_total", help: "O.", labels: ["purpose", "vector"])
        for i in 0..<10 { c.labels("p\(i)", "img").inc() }
        c.labels("p0", "img").inc()
        #expect(c.value("p0", "img") == 2)
        #expect(c.value("p3", "img") == nil)
        #expect(c.value("overflow", "overflow") == 7)
        #expect(r.render().split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 4)
    }
}

@Suite struct ConcurrencyTests {
    @Test func concurrentUpdatesAddUpExactly() throws {
        let r = MetricsRegistry()
        let c = try r.counter("c_total", help: "C.", labels: ["t"])
        let h = try r.histogram("h_seconds", help: "H.", buckets: [0.5, 1])
        let g = try r.gauge("g", help: "G.")
        let threads = 8, perThread = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let mine = c.labels("t\(t % 2)")
            for i in 0..<perThread {
                mine.inc()
                c.labels("shared").inc()
                h.observe(i % 2 == 0 ? 0.25 : 0.75)
                g.add(1)
                if i % 500 == 0 { _ = r.render() }
            }
        }
        #expect(c.value("shared") == UInt64(threads * perThread))
        #expect(c.value("t0") == UInt64(threads / 2 * perThread))
        #expect(c.value("t1") == UInt64(threads / 2 * perThread))
        let hv = try #require(h.value())
        #expect(hv.count == UInt64(threads * perThread))
        #expect(hv.counts == [UInt64(threads * perThread / 2), UInt64(threads * perThread / 2), 0])
        #expect(hv.sum == Double(threads * perThread / 2) * 1.0)
        #expect(g.value() == Double(threads * perThread))
    }

    @Test func concurrentRegistrationYieldsOneFamily() throws {
        let r = MetricsRegistry()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let f = try? r.counter("same_total", help: "S.", labels: ["a"])
            f?.labels("x").inc()
        }
        #expect(try r.counter("same_total", help: "S.", labels: ["a"]).value("x") == 16)
        #expect(r.render().components(separatedBy: "# TYPE same_total").count == 2)
    }
}

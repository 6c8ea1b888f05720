// PixelMetrics: counters and histograms for /metrics (Prometheus text format). Placeholder until the
// web work lands; see issue 5.
public enum PixelMetricsModule {}

// Tests for PixelMetrics (placeholder until its issue lands).
import Testing

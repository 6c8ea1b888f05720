// Tests for PixelWeb (placeholder until its issue lands).
import Testing

// Tests for PixelDKIM (placeholder until its issue lands).
import Testing

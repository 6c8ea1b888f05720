import Testing
@testable import PixelEngine

@Suite struct PixelEnginePlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

import Testing
@testable import PixelStore

@Suite struct PixelStorePlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

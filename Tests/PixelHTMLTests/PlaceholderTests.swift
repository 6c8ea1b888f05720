import Testing
@testable import PixelHTML

@Suite struct PixelHTMLPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

import Testing
@testable import PixelNet

@Suite struct PixelNetPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

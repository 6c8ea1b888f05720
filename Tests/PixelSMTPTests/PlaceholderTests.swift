import Testing
@testable import PixelSMTP

@Suite struct PixelSMTPPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

import Testing
@testable import PixelRelay

@Suite struct PixelRelayPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

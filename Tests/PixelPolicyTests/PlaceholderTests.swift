import Testing
@testable import PixelPolicy

@Suite struct PixelPolicyPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

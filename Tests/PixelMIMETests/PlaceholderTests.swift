import Testing
@testable import PixelMIME

@Suite struct PixelMIMEPlaceholder {
    @Test func builds() { #expect(Bool(true)) }
}

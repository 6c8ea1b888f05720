import Testing
@testable import PixelStore
@Test func builds() { #expect(Bool(true)) }

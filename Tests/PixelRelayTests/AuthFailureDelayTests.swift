// The AUTH brute-force pause: base delay doubling per failure in a session, capped; defaults.
import Testing
@testable import PixelRelay

@Suite struct AuthFailureDelayTests {
    @Test func defaultsAreOneSecondDoublingToEightAndThreeFailures() {
        let l = RelayLimits()
        #expect(l.authFailureDelay == 1.0 && l.authFailureDelayMax == 8.0 && l.maxAuthFailures == 3)
        #expect((1...5).map { InboundSession.authFailureDelay(attempt: $0, limits: l) } == [1, 2, 4, 8, 8])
    }

    @Test func capAndZero() {
        var l = RelayLimits()
        l.authFailureDelay = 0.5
        l.authFailureDelayMax = 1.0
        #expect((1...4).map { InboundSession.authFailureDelay(attempt: $0, limits: l) } == [0.5, 1.0, 1.0, 1.0])
        #expect(InboundSession.authFailureDelay(attempt: 10_000, limits: l) == 1.0)
        l.authFailureDelay = 0
        #expect(InboundSession.authFailureDelay(attempt: 7, limits: l) == 0)
    }
}

// TrackingHeadersTrimTests: the byte-level trim of Tracking-Campaign / Message-ID values gives what
// Foundation's trimmingCharacters(in: .whitespacesAndNewlines) gives, Unicode edges included.
import Foundation
import Testing
@testable import PixelEngine

@Suite struct TrackingHeadersTrimTests {
    @Test func agreesWithFoundation() {
        let cases = ["", " ", "\r\n", " \t spring-2026 \r\n", "<a@b>", "\u{0B}x\u{0C}", "\u{A0}x\u{A0}", " \u{2003}x ",
                     " é ", "x\u{301} ", " \u{301}x", "\u{85}x", " a b ", "\r\n\r\n<id@host>\r\n", "中 ", "\u{3000}"]
        for s in cases {
            #expect(TrackingHeaders.trimmed(s) == s.trimmingCharacters(in: .whitespacesAndNewlines), "\(s.unicodeScalars.map(\.value))")
        }
    }
}

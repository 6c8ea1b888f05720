// SMTPErrorTests: the error carries its reply and a cause that is for logs only.
import Testing
@testable import PixelSMTP

@Suite struct SMTPErrorTests {
    @Test func carriesReplyAndCause() {
        let e = SMTPError(.lineTooLong, cause: "612 octets")
        #expect(e.reply.code == 500)
        #expect(e.description == "500 5.5.2 Error: line too long (612 octets)")
        #expect(!e.reply.text.contains("612"))
        let s = SMTPError(code: 451, enhanced: "4.3.0", text: "later")
        #expect(s.reply == SMTPReply.tempfail("later") && s.cause == nil)
    }
}

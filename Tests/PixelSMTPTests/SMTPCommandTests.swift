// SMTPCommandTests: the verb of every command case.
import Testing
@testable import PixelSMTP

@Suite struct SMTPCommandTests {
    @Test func verbs() {
        let all: [(SMTPCommand, String)] = [
            (.helo("a"), "HELO"), (.ehlo("a"), "EHLO"), (.lhlo("a"), "LHLO"),
            (.mail(MailFrom(address: "")), "MAIL"), (.rcpt(RcptTo(address: "a@b")), "RCPT"), (.data, "DATA"),
            (.rset, "RSET"), (.noop, "NOOP"), (.quit, "QUIT"), (.vrfy("x"), "VRFY"), (.starttls, "STARTTLS"),
            (.auth(mechanism: "PLAIN", initial: nil), "AUTH"), (.xforward([]), "XFORWARD"), (.help, "HELP"),
        ]
        for (c, v) in all { #expect(c.verb == v) }
    }
}

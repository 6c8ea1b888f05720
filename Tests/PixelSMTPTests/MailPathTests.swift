// MailPathTests: the path grammar directly: brackets, null sender, postmaster, source routes,
// quoted local parts, address literals, UTF-8, limits, and what is left after the path.
import Testing
@testable import PixelSMTP

func path(_ s: String, _ kind: PathKind = .forward, limits: AddressLimits = .default) -> String? {
    try? MailPath.parse(bytes(s)[...], kind: kind, limits: limits).address
}

@Suite struct MailPathTests {
    @Test func ordinary() {
        #expect(path("<a@b.example>") == "a@b.example")
        #expect(path("<First.Last+tag@Sub.Example.COM>") == "First.Last+tag@Sub.Example.COM")
        #expect(path("<a..b.@b.example>") == "a..b.@b.example", "dots are not policed, as in Postfix")
        #expect(path("<o'brien@b.example>") == "o'brien@b.example")
    }

    @Test func nullSenderAndPostmaster() {
        #expect(path("<>", .reverse) == "")
        #expect(path("<>", .forward) == nil)
        #expect(path("<postmaster>", .forward) == "postmaster")
        #expect(path("<POSTMASTER>", .forward) == "POSTMASTER")
        #expect(path("<postmaster>", .reverse) == nil)
    }

    @Test func sourceRouteIsStripped() {
        #expect(path("<@a.example,@b.example:c@d.example>") == "c@d.example")
        #expect(path("<@a.example:c@d.example>") == "c@d.example")
        #expect(path("<@a.example c@d.example>") == nil)
        #expect(path("<@a ex:c@d.example>") == nil)
    }

    @Test func quotedLocalParts() {
        #expect(path(#"<"john doe"@b.example>"#) == #""john doe"@b.example"#)
        #expect(path(#"<"a>b@c"@d.example>"#) == #""a>b@c"@d.example"#)
        #expect(path(#"<"a\"b"@d.example>"#) == #""a\"b"@d.example"#)
        #expect(path(#"<"unterminated@d.example>"#) == nil)
        #expect(path(#"<"a"b"@d.example>"#) == nil)
    }

    @Test func addressLiterals() {
        #expect(path("<a@[192.0.2.1]>") == "a@[192.0.2.1]")
        #expect(path("<a@[IPv6:2001:db8::1]>") == "a@[IPv6:2001:db8::1]")
        #expect(path("<a@[192.0.2.256]>") == nil)
        #expect(path("<a@[192.0.2]>") == nil)
        #expect(path("<a@[IPv6:zz]>") == nil)
        #expect(path("<a@[]>") == nil)
        #expect(path("<a@[192.0.2.1>") == nil)
    }

    @Test func domains() {
        #expect(path("<a@b>") == "a@b")
        #expect(path("<a@under_score.example>") == "a@under_score.example")
        #expect(path("<a@.example>") == nil)
        #expect(path("<a@example.>") == nil)
        #expect(path("<a@exa mple>") == nil)
        #expect(path("<a@exa!mple>") == nil)
        #expect(path("<a@>") == nil)
        #expect(path("<@example>") == nil)
    }

    @Test func utf8() {
        #expect(path("<δοκιμή@παράδειγμα.δοκιμή>") == "δοκιμή@παράδειγμα.δοκιμή")
        var r = bytes("<a@b.example>")
        r[1] = 0xFF
        #expect((try? MailPath.parse(r[...], kind: .forward, limits: .default)) == nil)
    }

    @Test func restAfterPath() throws {
        let (a, rest) = try MailPath.parse(bytes("<a@b.c> SIZE=1")[...], kind: .reverse, limits: .default)
        #expect(a == "a@b.c" && Array(rest) == bytes(" SIZE=1"))
        let (b, rest2) = try MailPath.parse(bytes("a@b.c SIZE=1")[...], kind: .reverse, limits: .default)
        #expect(b == "a@b.c" && Array(rest2) == bytes(" SIZE=1"))
        #expect(path("a@b.c>") == nil)
        #expect(path("<a@b.c") == nil)
        #expect(path("<a<b@c.d>") == nil)
    }

    @Test func errorCodesFollowTheKind() {
        do throws(SMTPError) {
            _ = try MailPath.parse(bytes("<x>")[...], kind: .reverse, limits: .default)
            Issue.record("must fail")
        } catch {
            #expect(error.reply.code == 501 && error.reply.enhanced == "5.1.7")
        }
        do throws(SMTPError) {
            _ = try MailPath.parse(bytes("<x>")[...], kind: .forward, limits: .default)
            Issue.record("must fail")
        } catch {
            #expect(error.reply.code == 501 && error.reply.enhanced == "5.1.3")
        }
    }

    @Test func pathLimitCountsBrackets() {
        let limits = AddressLimits(maxLocalPart: 64, maxDomain: 255, maxPath: 10)
        #expect(path("<ab@cd.ef>", limits: limits) == "ab@cd.ef")
        #expect(path("<abc@cd.ef>", limits: limits) == nil)
    }
}

// SMTPCommandParserTests: valid and invalid examples for every verb, case-insensitivity, control
// characters, unsupported verbs, and the exact reply code each refusal carries.
import Testing
@testable import PixelSMTP

func parse(_ s: String) -> Result<SMTPCommand, SMTPError> { SMTPCommandParser.parse(Array(s.utf8)) }

func parsed(_ s: String) -> SMTPCommand? {
    if case .success(let c) = parse(s) { return c }
    return nil
}

/// "code enhanced" of the refusal, or "ok".
func refusal(_ s: String) -> String {
    switch parse(s) {
    case .success: return "ok"
    case .failure(let e): return "\(e.reply.code) \(e.reply.enhanced ?? "-")"
    }
}

@Suite struct SMTPCommandParserTests {
    @Test func greetings() {
        #expect(parsed("EHLO client.example") == .ehlo("client.example"))
        #expect(parsed("ehlo client.example") == .ehlo("client.example"))
        #expect(parsed("HeLo [192.0.2.1]") == .helo("[192.0.2.1]"))
        #expect(parsed("LHLO mx.example  ") == .lhlo("mx.example"))
        #expect(refusal("EHLO") == "501 5.5.4")
        #expect(refusal("EHLO a b") == "501 5.5.4")
        #expect(refusal("EHLO " + String(repeating: "a", count: 256)) == "501 5.5.4")
    }

    @Test func simpleVerbs() {
        #expect(parsed("DATA") == .data)
        #expect(parsed("data") == .data)
        #expect(parsed("RSET") == .rset)
        #expect(parsed("QUIT") == .quit)
        #expect(parsed("STARTTLS") == .starttls)
        #expect(parsed("NOOP") == .noop)
        #expect(parsed("NOOP anything at all") == .noop)
        #expect(parsed("HELP") == .help)
        #expect(parsed("help mail") == .help)
        #expect(refusal("DATA now") == "501 5.5.4")
        #expect(refusal("RSET x") == "501 5.5.4")
        #expect(refusal("QUIT please") == "501 5.5.4")
        #expect(refusal("STARTTLS x") == "501 5.5.4")
    }

    @Test func vrfy() {
        #expect(parsed("VRFY postmaster") == .vrfy("postmaster"))
        #expect(refusal("VRFY") == "501 5.5.4")
    }

    @Test func unknownAndUnsupportedVerbs() {
        #expect(refusal("FROB x") == "500 5.5.1")
        #expect(refusal("GET / HTTP/1.0") == "500 5.5.1")
        #expect(refusal("MAILFROM:<a@b.c>") == "500 5.5.1")
        #expect(refusal("EXPN staff") == "502 5.5.1")
        #expect(refusal("BDAT 100 LAST") == "502 5.5.1")
        #expect(refusal("etrn example.com") == "502 5.5.1")
        #expect(refusal("") == "500 5.5.2")
        #expect(refusal("   ") == "500 5.5.2")
    }

    @Test func controlCharactersAndBadUTF8() {
        #expect(refusal("NOOP\r") == "501 5.5.2")
        #expect(refusal("MAIL FROM:<a@b.c>\rRCPT TO:<x@y.z>") == "501 5.5.2")
        #expect(refusal("NOOP \u{0}") == "501 5.5.2")
        #expect(refusal("EHLO\ta") == "501 5.5.2")
        #expect(SMTPCommandParser.parse([0x4E, 0x4F, 0x4F, 0x50, 0x20, 0xFF, 0xFE]).isFailure)
    }

    @Test func mailFrom() {
        #expect(parsed("MAIL FROM:<alice@example.com>") == .mail(MailFrom(address: "alice@example.com")))
        #expect(parsed("mail from:<alice@example.com>") == .mail(MailFrom(address: "alice@example.com")))
        #expect(parsed("MAIL FROM: <alice@example.com>") == .mail(MailFrom(address: "alice@example.com")))
        #expect(parsed("MAIL FROM:<>") == .mail(MailFrom(address: "")))
        #expect(parsed("MAIL FROM:alice@example.com") == .mail(MailFrom(address: "alice@example.com")))
        #expect(parsed("MAIL FROM:<@relay1.example,@relay2.example:alice@example.com>") == .mail(MailFrom(address: "alice@example.com")))
        let full = parsed("MAIL FROM:<a@b.example> SIZE=12345 BODY=8bitmime SMTPUTF8 RET=hdrs ENVID=QQ+2B1 AUTH=<>")
        #expect(full == .mail(MailFrom(address: "a@b.example", size: 12345, body: .eightBitMIME, smtputf8: true,
                                       ret: "HDRS", envid: "QQ+2B1", auth: "<>")))
        #expect(refusal("MAIL") == "501 5.5.4")
        #expect(refusal("MAIL TO:<a@b.c>") == "501 5.5.4")
        #expect(refusal("MAIL FROM:") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c") == "501 5.1.7")
        #expect(refusal("MAIL FROM:<alice>") == "501 5.1.7")
        #expect(refusal("MAIL FROM:<a@b..c>") == "501 5.1.7")
        #expect(refusal("MAIL FROM:<a b@c.d>") == "501 5.1.7")
    }

    @Test func mailParameters() {
        #expect(refusal("MAIL FROM:<a@b.c> FOO=bar") == "555 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> XYZ") == "555 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SIZE=1 SIZE=2") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> size=1 SIZE=2") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SIZE=abc") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SIZE") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SIZE=") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> BODY=9BIT") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SMTPUTF8=yes") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> RET=ALL") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> ENVID=a+zz") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> ENVID=" + String(repeating: "x", count: 101)) == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c>SIZE=1") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> SIZE=1=2") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> AUTH=a+zz") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> AUTH") == "501 5.5.4")
        #expect(refusal("MAIL FROM:<a@b.c> AUTH=alice+40b.c") == "ok")
        #expect(refusal("MAIL FROM:<postmaster>") == "501 5.1.7")
        if case .mail(let m) = parsed("MAIL FROM:<a@b.c> SIZE=99999999999999999999999") {
            #expect(m.size == Int.max)
        } else {
            Issue.record("huge SIZE must parse (and be refused later as too big)")
        }
    }

    @Test func rcptTo() {
        #expect(parsed("RCPT TO:<bob@example.org>") == .rcpt(RcptTo(address: "bob@example.org")))
        #expect(parsed("rcpt to:<Postmaster>") == .rcpt(RcptTo(address: "Postmaster")))
        #expect(parsed("RCPT TO:<bob@example.org> NOTIFY=success,delay ORCPT=rfc822;bob+40example.org")
            == .rcpt(RcptTo(address: "bob@example.org", notify: ["SUCCESS", "DELAY"], orcpt: "rfc822;bob+40example.org")))
        #expect(parsed("RCPT TO:<bob@example.org> NOTIFY=NEVER") == .rcpt(RcptTo(address: "bob@example.org", notify: ["NEVER"])))
        #expect(refusal("RCPT TO:<>") == "501 5.1.3")
        #expect(refusal("RCPT TO:<bob>") == "501 5.1.3")
        #expect(refusal("RCPT FROM:<bob@example.org>") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> NOTIFY=NEVER,SUCCESS") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> NOTIFY=SUCCESS,SUCCESS") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> NOTIFY=SOMETIMES") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> ORCPT=bob@example.org") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> ORCPT=rfc822;") == "501 5.5.4")
        #expect(refusal("RCPT TO:<bob@example.org> SIZE=10") == "555 5.5.4")
    }

    @Test func utf8Addresses() {
        #expect(parsed("MAIL FROM:<jöran@bücher.example> SMTPUTF8") == .mail(MailFrom(address: "jöran@bücher.example", smtputf8: true)))
        #expect(parsed("RCPT TO:<用户@例子.广告>") == .rcpt(RcptTo(address: "用户@例子.广告")))
    }

    @Test func addressLengthLimits() {
        let local64 = String(repeating: "l", count: 64)
        #expect(refusal("RCPT TO:<\(local64)@example.com>") == "ok")
        #expect(refusal("RCPT TO:<\(local64)l@example.com>") == "501 5.1.3")
        let label = String(repeating: "d", count: 63)
        let domain = [label, label, label, String(repeating: "d", count: 60)].joined(separator: ".")  // 252: path "<a@...>" is 256
        #expect(refusal("RCPT TO:<a@\(domain)>") == "ok")
        #expect(refusal("RCPT TO:<a@\(String(repeating: "d", count: 64)).com>") == "501 5.1.3")
        let long = [label, label, label, label, label].joined(separator: ".")
        #expect(refusal("MAIL FROM:<a@\(long)>") == "501 5.1.7")
        let tight = AddressLimits(maxLocalPart: 3, maxDomain: 10, maxPath: 12)
        #expect(SMTPCommandParser.parse(bytes("RCPT TO:<abc@d.ex>"), limits: tight).isSuccess)
        #expect(SMTPCommandParser.parse(bytes("RCPT TO:<abcd@d.ex>"), limits: tight).isFailure)
        #expect(SMTPCommandParser.parse(bytes("RCPT TO:<abc@domain.exa>"), limits: tight).isFailure)
    }

    @Test func auth() {
        #expect(parsed("AUTH PLAIN") == .auth(mechanism: "PLAIN", initial: nil))
        #expect(parsed("auth plain AGFsaWNlAHNlY3JldA==") == .auth(mechanism: "PLAIN", initial: "AGFsaWNlAHNlY3JldA=="))
        #expect(parsed("AUTH PLAIN =") == .auth(mechanism: "PLAIN", initial: "="))
        #expect(parsed("AUTH LOGIN") == .auth(mechanism: "LOGIN", initial: nil))
        #expect(refusal("AUTH") == "501 5.5.4")
        #expect(refusal("AUTH PLAIN a b") == "501 5.5.4")
        #expect(refusal("AUTH PL@IN") == "501 5.5.4")
        #expect(refusal("AUTH PLAIN ab$c") == "501 5.5.2")
        #expect(refusal("AUTH " + String(repeating: "X", count: 21)) == "501 5.5.4")
    }

    @Test func xforward() {
        let c = parsed("XFORWARD NAME=spike.porcupine.org ADDR=168.100.189.2 PROTO=ESMTP ident=ABC+2B123")
        #expect(c == .xforward([
            XForwardAttribute(name: .name, value: "spike.porcupine.org"),
            XForwardAttribute(name: .addr, value: "168.100.189.2"),
            XForwardAttribute(name: .proto, value: "ESMTP"),
            XForwardAttribute(name: .ident, value: "ABC+123"),
        ]))
        #expect(parsed("XFORWARD HELO=[UNAVAILABLE]") == .xforward([XForwardAttribute(name: .helo, value: "[UNAVAILABLE]")]))
        #expect(refusal("XFORWARD") == "501 5.5.4")
        #expect(refusal("XFORWARD COLOR=blue") == "501 5.5.4")
        #expect(refusal("XFORWARD NAME") == "501 5.5.4")
        #expect(refusal("XFORWARD NAME=a+0Db") == "501 5.5.4")
        #expect(refusal("XFORWARD NAME=a+G1") == "501 5.5.4")
    }

    @Test func linesRealClientsSend() {
        // Postfix's smtp/lmtp client, swaks and common MUAs.
        let lines = [
            "EHLO mail.sender.example", "LHLO mail.sender.example",
            "XFORWARD NAME=localhost ADDR=127.0.0.1 PORT=41234 HELO=client.example IDENT=4Xyz12AbCdF PROTO=ESMTP SOURCE=LOCAL",
            "XFORWARD NAME=[UNAVAILABLE] ADDR=IPV6:2001:db8::1 LOGIN=alice",
            "MAIL FROM:<bounce+123@lists.example> SIZE=48213 BODY=8BITMIME",
            "MAIL FROM:<> SIZE=2048 RET=HDRS ENVID=msg-1+2B2",
            "MAIL FROM:<sender@example.com> SIZE=100 BODY=8BITMIME SMTPUTF8",
            "RCPT TO:<r@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;r@example.com",
            "RCPT TO:<r@example.com> ORCPT=utf-8;r@example.com",
            "MAIL FROM: <outlook@example.com>", "rcpt to: <x@y.example>",
            "AUTH PLAIN AHVzZXIAcGFzcw==", "AUTH LOGIN dXNlcg==",
        ]
        for line in lines { #expect(refusal(line) == "ok", "\(line)") }
    }

    @Test func neverTrapsOnRandomLines() {
        var rng = SplitMix64(seed: 7)
        let pieces = ["MAIL", "RCPT", "FROM:", "TO:", "<", ">", "@", "\"", "\\", " ", "=", "+", "SIZE", "NOTIFY",
                      "ORCPT", ";", ",", ":", ".", "[", "]", "IPv6:", "a", "é", "XFORWARD", "AUTH", "EHLO", "\u{1}"]
        var outcomes = 0
        for _ in 0..<3000 {
            let n = Int.random(in: 0..<12, using: &rng)
            let line = (0..<n).map { _ in pieces.randomElement(using: &rng)! }.joined()
            switch SMTPCommandParser.parse(Array(line.utf8)) {
            case .success: outcomes += 1
            case .failure(let e): #expect(e.reply.isTransient || e.reply.isPermanent); outcomes += 1
            }
        }
        #expect(outcomes == 3000)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { return true } else { return false } }
    var isFailure: Bool { !isSuccess }
}

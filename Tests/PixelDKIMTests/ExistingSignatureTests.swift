// ExistingSignatureTests: the cheap presence test that lets an unsigned variant skip the header
// parse must never say "absent" when a DKIM-Signature field is there.
import Testing
@testable import PixelDKIM

@Suite struct ExistingSignatureTests {
    static func present(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { ExistingSignature.mayBePresent(in: $0) }
    }

    @Test func fieldInAnyCaseAndPositionIsSeen() {
        #expect(Self.present("DKIM-Signature: v=1; d=a.example\r\nFrom: a@a.example\r\n\r\nbody\r\n"))
        #expect(Self.present("From: a@a.example\r\ndkim-SIGNATURE: v=1\r\n\r\nbody\r\n"))
        #expect(Self.present("From: a@a.example\nDkim-Signature:v=1\n\nbody\n"))
        #expect(Self.present("From: a@a.example\r\nSubject: x\r\nDKIM-Signature : v=1\r\n\r\n"))
    }

    @Test func absentOrOnlyInBodyOrValue() {
        #expect(!Self.present("From: a@a.example\r\nSubject: DKIM-Signature\r\n\r\nDKIM-Signature: in the body\r\n"))
        #expect(!Self.present("From: a@a.example\r\nSubject: x\r\n folded DKIM-Signature: no\r\n\r\n"))
        #expect(!Self.present(""))
        #expect(!Self.present("From: a@a.example"))
        #expect(!Self.present("\r\nDKIM-Signature: after the empty line\r\n"))
    }

    @Test func agreesWithTheFullParse() {
        // Every message that the full header parse finds a signature in is "present".
        let messages = [
            "DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=s; bh=AAAA; h=from; b=BBBB\r\nFrom: a@x.example\r\n\r\nhi\r\n",
            "From: a@x.example\r\nDKIM-Signature: v=1; a=ed25519-sha256; d=x.example; s=s; bh=AAAA; h=from; b=BBBB\r\n\r\nhi\r\n",
        ]
        for m in messages {
            let bytes = Array(m.utf8)
            let end = bytes.indices.first { i in i + 3 < bytes.count && bytes[i..<(i + 4)].elementsEqual([13, 10, 13, 10]) }! + 2
            let block = Array(bytes[..<end])
            #expect(!ExistingSignature.all(block: block, fields: HeaderFields.split(block)).isEmpty)
            #expect(Self.present(m))
        }
    }
}

// SASLTests: PLAIN and LOGIN decoding (valid and malformed) and the client-side encoders.
import Testing
@testable import PixelSMTP

@Suite struct SASLTests {
    @Test func plain() {
        let r = SASL.decodePlain("AGFsaWNlAHNlY3JldA==")  // "\0alice\0secret"
        #expect(r?.authzid == "" && r?.user == "alice" && r?.password == "secret")
        let withAuthz = SASL.encodePlain(user: "bob", password: "pw", authzid: "admin")
        #expect(SASL.plain(withAuthz) == SASL.PlainCredentials(authzid: "admin", user: "bob", password: "pw"))
        #expect(SASL.encodePlain(user: "alice", password: "secret") == "AGFsaWNlAHNlY3JldA==")
    }

    @Test func plainRejects() {
        let cases: [[UInt8]] = [
            bytes("alice\0secret"),                  // two parts
            bytes("\0\0secret"),                     // empty user
            bytes("\0alice\0"),                      // empty password
            bytes("\0alice\0sec\0ret"),              // NUL in password
            [0x00, 0x61, 0x00, 0xFF, 0xFE],          // invalid UTF-8
        ]
        for c in cases { #expect(SASL.decodePlain(Base64.encode(c)) == nil, "\(c)") }
        #expect(SASL.decodePlain("not base64!") == nil)
        #expect(SASL.decodePlain("=") == nil)
        #expect(SASL.decodePlain(String(repeating: "A", count: SASL.maxResponseLength + 4)) == nil)
    }

    @Test func login() {
        #expect(SASL.decodeLogin(SASL.encodeLogin("alice@example.com")) == "alice@example.com")
        #expect(SASL.decodeLogin(SASL.loginUsernameChallenge) == "Username:")
        #expect(SASL.decodeLogin(SASL.loginPasswordChallenge) == "Password:")
        #expect(SASL.decodeLogin("") == nil)
        #expect(SASL.decodeLogin("@@@@") == nil)
        #expect(SASL.isCancel("*"))
        #expect(!SASL.isCancel("Kg=="))
    }
}

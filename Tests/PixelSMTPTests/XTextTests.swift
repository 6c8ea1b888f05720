// XTextTests: RFC 3461 xtext validation, decoding and the encode/decode round trip.
import Testing
@testable import PixelSMTP

@Suite struct XTextTests {
    @Test func decode() {
        #expect(XText.decode("abc+2B+3Ddef") == "abc+=def")
        #expect(XText.decode("a+2b") == "a+")
        #expect(XText.decode("") == "")
        for bad in ["a+", "a+2", "a+ZZ", "a=b", "a b", "caf\u{e9}"] {
            #expect(XText.decode(bad) == nil, "\(bad)")
            #expect(!XText.isValid(bad))
        }
    }

    @Test func encodeRoundTrip() {
        for s in ["plain", "a+b=c", "spaces and\ttabs", "ünïcødé", "", "+++", "\u{0}\u{7F}"] {
            let e = XText.encode(s)
            #expect(XText.isValid(e))
            #expect(XText.decode(e) == s)
        }
        #expect(XText.encode("a b+") == "a+20b+2B")
    }
}

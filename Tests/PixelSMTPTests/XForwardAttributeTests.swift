// XForwardAttributeTests: names, decoding, special values and the encoded form.
import Testing
@testable import PixelSMTP

@Suite struct XForwardAttributeTests {
    @Test func allTenNames() throws {
        for name in XForwardAttribute.Name.allCases {
            let a = try XForwardAttribute.parse(bytes("\(name.rawValue.lowercased())=v")[...])
            #expect(a.name == name && a.value == "v")
        }
        #expect(XForwardAttribute.Name.allCases.count == 10)
    }

    @Test func specialValues() throws {
        #expect(try XForwardAttribute.parse(bytes("ADDR=[UNAVAILABLE]")[...]).isUnavailable)
        #expect(try XForwardAttribute.parse(bytes("NAME=[TEMPUNAVAIL]")[...]).isUnavailable)
        #expect(try !XForwardAttribute.parse(bytes("ADDR=IPV6:2001:db8::1")[...]).isUnavailable)
    }

    @Test func encodedRoundTrip() throws {
        let a = XForwardAttribute(name: .helo, value: "weird name+=")
        #expect(a.encoded() == "HELO=weird+20name+2B+3D")
        #expect(try XForwardAttribute.parse(bytes(a.encoded())[...]) == a)
    }

    @Test func limits() {
        let long = String(repeating: "h", count: XForwardAttribute.maxValueLength + 1)
        #expect((try? XForwardAttribute.parse(bytes("NAME=" + long)[...])) == nil)
        #expect((try? XForwardAttribute.parse(bytes("NAME=" + long.dropLast())[...])) != nil)
        #expect((try? XForwardAttribute.parse(bytes("=x")[...])) == nil)
    }
}

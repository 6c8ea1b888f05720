// ESMTPParametersTests: the keyword[=value] list: spacing, case, duplicates, malformed values.
import Testing
@testable import PixelSMTP

func params(_ s: String) -> [ESMTPParameter]? { try? ESMTPParameters.parse(bytes(s)[...]) }

@Suite struct ESMTPParametersTests {
    @Test func valid() {
        #expect(params("") == [])
        #expect(params(" size=10  body=8BITMIME SMTPUTF8") == [
            ESMTPParameter(keyword: "SIZE", value: "10"),
            ESMTPParameter(keyword: "BODY", value: "8BITMIME"),
            ESMTPParameter(keyword: "SMTPUTF8", value: nil),
        ])
        #expect(params(" X-FOO=bär") == [ESMTPParameter(keyword: "X-FOO", value: "bär")])
    }

    @Test func invalid() {
        for bad in ["SIZE=1", " =1", " -X=1", " SIZE=", " A=b=c", " A=1 a=2", " K_Y=1"] {
            #expect(params(bad) == nil, "\(bad)")
        }
        let many = (0...ESMTPParameters.maxParameters).map { " K\($0)=1" }.joined()
        #expect(params(many) == nil)
    }
}

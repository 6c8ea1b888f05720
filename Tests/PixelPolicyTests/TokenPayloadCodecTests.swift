// Tests for TokenPayloadCodec: the hand-written encoder writes the same bytes as the JSONEncoder it
// replaced (so tokens sealed before still open), its output decodes back, JSONEncoder output decodes,
// and malformed or unexpected JSON is rejected.
import Foundation
import Testing
@testable import PixelPolicy

@Suite struct TokenPayloadCodecTests {
    /// The former wire struct, encoded as before with Foundation.
    private struct OldWire: Codable {
        var k: String
        var r: String
        var p: [String]
        var u: String?
        var c: String?
        var t: Int64
    }

    private func oldEncoding(_ x: TokenPayload) throws -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try enc.encode(OldWire(k: x.kind.rawValue, r: x.recipient, p: x.purposes.map(\.id), u: x.url, c: x.campaign, t: x.issuedAt)))
    }

    private static let awkward: [String] = [
        "", "plain", "Ana@Example.org", "quote\"back\\slash/slash", "tab\tnl\ncr\rbs\u{08}ff\u{0C}",
        "ctl\u{00}\u{01}\u{1F}\u{7F}", "é ü 中文 🎉 \u{2028}\u{2029}", "https://t.example/o/abc?x=1&y=2#f<>'",
        String(repeating: "x\"", count: 300),
    ]

    private static var payloads: [TokenPayload] {
        var out: [TokenPayload] = []
        for (i, s) in awkward.enumerated() {
            out.append(TokenPayload(kind: .gate, recipient: s, purposes: [.openMeasurement, .personalization], url: s, campaign: s, issuedAt: Int64(i) * 1_000_000_007))
            out.append(TokenPayload(kind: .withdraw, recipient: s, purposes: [], campaign: i % 2 == 0 ? nil : s, issuedAt: -Int64(i)))
            out.append(TokenPayload(kind: .preferences, recipient: s, purposes: Purpose.allCases, url: nil, campaign: nil, issuedAt: i == 0 ? .max : .min))
        }
        return out
    }

    @Test func sameBytesAsJSONEncoder() throws {
        for x in Self.payloads {
            #expect(x.encoded() == (try oldEncoding(x)), "payload \(x)")
        }
    }

    @Test func roundTripAndOldEncodingDecodes() throws {
        for x in Self.payloads where !(x.kind == .gate && x.url == nil) {
            #expect(TokenPayload.decode(x.encoded()) == x)
            #expect(TokenPayload.decode(try oldEncoding(x)) == x)
        }
    }

    @Test func acceptsWhitespaceEscapesAndAnyKeyOrder() {
        let json = #" { "t" : 12 , "r" : "a\u00e9\ud83c\udf89\/b" , "p" : [ "personalization" ] , "k" : "w" , "u" : null , "c" : null } "#
        let x = TokenPayload.decode(Array(json.utf8))
        #expect(x == TokenPayload(kind: .withdraw, recipient: "aé🎉/b", purposes: [.personalization], issuedAt: 12))
    }

    @Test func rejectsMalformedOrUnexpected() {
        let bad: [String] = [
            "", "{}", "[]", "null", #"{"k":"w","r":"a","p":[],"t":1"#,
            #"{"k":"w","r":"a","p":[],"t":1} x"#,
            #"{"k":"w","r":"a","p":[],"t":1,"x":1}"#,          // unknown key
            #"{"k":"w","k":"w","r":"a","p":[],"t":1}"#,        // duplicate key
            #"{"k":"z","r":"a","p":[],"t":1}"#,                // unknown kind
            #"{"k":"w","r":"a","p":["nope"],"t":1}"#,          // unknown purpose
            #"{"k":"o","r":"a","p":[],"t":1}"#,                // gate without url
            #"{"k":"w","r":"a","p":[],"t":1.5}"#,
            #"{"k":"w","r":"a","p":[],"t":01}"#,
            #"{"k":"w","r":"a","p":[],"t":9223372036854775808}"#,
            #"{"k":"w","r":"a","p":[],"t":"1"}"#,
            #"{"k":"w","r":"a\q","p":[],"t":1}"#,
            #"{"k":"w","r":"\ud800","p":[],"t":1}"#,           // lone surrogate
            #"{"k":"w","r":"\udc00x","p":[],"t":1}"#,
            #"{"k":"w","r":"\u12","p":[],"t":1}"#,
            "{\"k\":\"w\",\"r\":\"a\nb\",\"p\":[],\"t\":1}",    // raw control character
            #"{"k":"w","r":"a","p":[1],"t":1}"#,
            #"{"k":"w","r":"a","p":["personalization",],"t":1}"#,
            #"{"k":"w","r":"a","p":[],"t":1,}"#,
            #"{"k":"w","r":null,"p":[],"t":1}"#,
        ]
        for s in bad {
            #expect(TokenPayload.decode(Array(s.utf8)) == nil, "\(s)")
        }
        #expect(TokenPayload.decode([0x7B, 0x22, 0x72, 0x22, 0x3A, 0x22, 0xFF, 0x22]) == nil)
    }

    @Test func truncationsNeverTrapAndAreRejected() {
        let full = TokenPayload(kind: .gate, recipient: "a\"é", purposes: [.crossChannel], url: "https://x/y", campaign: "c", issuedAt: 5).encoded()
        for n in 0..<full.count {
            #expect(TokenPayload.decode(Array(full.prefix(n))) == nil)
        }
    }
}

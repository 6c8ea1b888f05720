// XForwardCommandTests: the XFORWARD attributes and command lines, built on bytes with the offered
// names worked out once per upstream session, against the dictionary- and String-based code they
// replaced (kept here as the reference), on random client information.
import Testing
import PixelSMTP
@testable import PixelRelay

@Suite struct XForwardCommandTests {
    enum Reference {
        static func attributes(_ c: ClientInfo, offered: [String]) -> [(String, String)] {
            var mine: [String: String] = ["ADDR": c.address, "PORT": String(c.port), "PROTO": c.protocolName, "NAME": "[UNAVAILABLE]"]
            if let helo = c.helo { mine["HELO"] = helo }
            mine.merge(c.forwarded) { _, f in f }
            let want = Set(offered.map { $0.uppercased() })
            return ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", "LOGIN", "DESTADDR", "DESTPORT"].compactMap { k in
                guard want.contains(k), let v = mine[k] else { return nil }
                return (k, v)
            }
        }

        static func lines(_ attrs: [(String, String)]) -> [String] {
            var lines: [String] = []
            var cur = "XFORWARD"
            for (k, v) in attrs {
                let item = " \(k)=\(XText.encode(v))"
                if cur.utf8.count + item.utf8.count > 400 && cur != "XFORWARD" {
                    lines.append(cur)
                    cur = "XFORWARD"
                }
                cur += item
            }
            lines.append(cur)
            return lines
        }
    }

    static let names = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", "LOGIN", "DESTADDR", "DESTPORT"]

    static func randomValue() -> String {
        let pieces = ["mx.example.org", "192.0.2.1", "2001:db8::1", "[UNAVAILABLE]", "+", "=", " ", "é", "\u{0}", "~",
                      "ESMTP", "LOCAL", String(repeating: "x", count: Int.random(in: 100...250))]
        return (0..<Int.random(in: 0...3)).map { _ in pieces.randomElement()! }.joined()
    }

    static func randomClient() -> ClientInfo {
        var forwarded: [String: String] = [:]
        for n in names where Int.random(in: 0..<4) == 0 { forwarded[n] = randomValue() }
        if Bool.random() { forwarded["OTHER"] = randomValue() }
        return ClientInfo(address: Bool.random() ? "127.0.0.1" : randomValue(), port: Int.random(in: 0...65535),
                          helo: Bool.random() ? nil : randomValue(), forwarded: forwarded,
                          protocolName: ["ESMTP", "SMTP", "LMTP"].randomElement()!)
    }

    @Test func attributesAndLinesMatchTheReference() {
        var multiLine = 0
        for _ in 0..<2_000 {
            let offered = Self.names.filter { _ in Bool.random() }.map { Bool.random() ? $0.lowercased() : $0 }
                + (Bool.random() ? ["UNKNOWN"] : [])
            let c = Self.randomClient()
            let expected = Reference.attributes(c, offered: offered)
            let keys = ClientInfo.offeredXForward(offered)
            let got = c.xforwardAttributes(offeredInOrder: keys)
            #expect(got.map(\.0) == expected.map(\.0) && got.map(\.1) == expected.map(\.1), "\(c) offered \(offered)")
            let lines = SMTPUpstream.xforwardCommands(got).map { String(decoding: $0, as: UTF8.self) }
            #expect(lines == Reference.lines(expected))
            if lines.count > 1 { multiLine += 1 }
        }
        // About 17 of 2,000 random cases split (Poisson: none at all has odds of about 1 in 10^7);
        // the deterministic case below always does.
        #expect(multiLine > 0, "the random values must also exercise the 400-octet line split")
    }

    @Test func longValuesSplitIntoSeveralLinesLikeTheReference() {
        var forwarded: [String: String] = [:]
        for (i, n) in Self.names.enumerated() { forwarded[n] = String(repeating: i % 2 == 0 ? "x" : "+", count: 120) }
        let c = ClientInfo(address: "192.0.2.1", port: 25, helo: "mx.example", forwarded: forwarded, protocolName: "ESMTP")
        let attrs = c.xforwardAttributes(offeredInOrder: ClientInfo.offeredXForward(Self.names))
        #expect(attrs.count == 10)
        let lines = SMTPUpstream.xforwardCommands(attrs).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count >= 3)
        #expect(lines.allSatisfy { $0.hasPrefix("XFORWARD ") && $0.utf8.count <= 400 + 3 * 120 })
        #expect(lines == Reference.lines(Reference.attributes(c, offered: Self.names)))
    }

    @Test func appendEncodedIsEncode() {
        for _ in 0..<2_000 {
            let v = Self.randomValue()
            var out: [UInt8] = []
            XText.appendEncoded(v, to: &out)
            #expect(out == Array(XText.encode(v).utf8))
        }
    }
}

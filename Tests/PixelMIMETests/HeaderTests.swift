// Header tests: field ranges and unfolding, case-insensitive lookup, Content-Type and
// Content-Disposition parameter parsing (quoted strings, comments, RFC 2231 continuations and
// charsets), and the defaults applied to bad values.
import Testing
@testable import PixelMIME

@Suite struct HeaderTests {
    func parse(_ lines: [String]) throws -> (MIMEMessage, [UInt8]) {
        let bytes = T.message(lines + ["", "body"])
        return (try T.parse(bytes), bytes)
    }

    @Test func fieldRangesCoverContinuationsAndTileTheBlock() throws {
        let (m, bytes) = try parse(["A: 1", "B: 2", " 2b", "\t2c", "C:3"])
        #expect(m.root.headers.map(\.name) == ["A", "B", "C"])
        #expect(m.root.headers.map(\.value) == ["1", "2 2b\t2c", "3"])
        var pos = m.root.headerRange.lowerBound
        for f in m.root.headers {
            #expect(f.range.lowerBound == pos)
            pos = f.range.upperBound
        }
        #expect(pos == m.root.headerRange.upperBound)
        #expect(String(decoding: bytes[m.root.headers[1].range], as: UTF8.self) == "B: 2\r\n 2b\r\n\t2c\r\n")
    }

    @Test func lookupIsCaseInsensitiveAndOrdered() throws {
        let (m, _) = try parse(["Received: one", "received: two", "TRACKING-PURPOSES: open_measurement"])
        #expect(m.root.header("RECEIVED")?.value == "one")
        #expect(m.root.headers(named: "Received").map(\.value) == ["one", "two"])
        #expect(m.root.header("tracking-purposes")?.value == "open_measurement")
        #expect(m.root.header("missing") == nil)
    }

    @Test func contentTypeParameters() throws {
        let (m, _) = try parse(["Content-Type: Text/HTML (comment; here); Charset = \"UTF-8\" ; name=\"a \\\"q\\\" ; b.html\"; x-empty=\"\""])
        let ct = m.root.contentType
        #expect(ct.type == "text")
        #expect(ct.subtype == "html")
        #expect(ct.charset == "utf-8")
        #expect(ct.parameters["name"] == "a \"q\" ; b.html")
        #expect(ct.parameters["x-empty"] == "")
        #expect(!m.root.contentTypeDefaulted)
    }

    @Test func rfc2231ContinuationsAndCharsets() throws {
        let (m, _) = try parse([
            "Content-Type: application/pdf;",
            " name*0*=utf-8''R%C3%A9sum%C3%A9%20;",
            " name*1=\"final version\";",
            " name*2*=%E2%82%AC.pdf",
            "Content-Disposition: attachment; filename*=iso-8859-1'fr'caf%E9.pdf; filename=\"fallback.pdf\"",
        ])
        #expect(m.root.contentType.parameters["name"] == "Résumé final version€.pdf")
        #expect(m.root.disposition?.filename == "café.pdf")
        #expect(m.root.filename == "café.pdf")
    }

    @Test func encodedWordFilename() throws {
        let (m, _) = try parse(["Content-Type: image/png; name=\"=?UTF-8?B?w6l0w6kucG5n?=\""])
        #expect(m.root.filename == "été.png")
    }

    @Test func dispositionKinds() throws {
        #expect(try parse(["Content-Disposition: INLINE"]).0.root.disposition?.kind == .inline)
        #expect(try parse(["Content-Disposition: attachment"]).0.root.disposition?.kind == .attachment)
        #expect(try parse(["Content-Disposition: form-data; name=x"]).0.root.disposition?.kind == .other("form-data"))
        #expect(try parse(["Subject: none"]).0.root.disposition == nil)
    }

    @Test func badContentTypesFallBack() throws {
        for bad in ["", "text/", "/html", "text/html/x", "te xt/html", "text/ht ml", "text/h\"t\"ml"] {
            let (m, _) = try parse(["Content-Type: \(bad)"])
            #expect(m.root.contentType == .textPlainDefault, "\(bad)")
            #expect(m.root.contentTypeDefaulted)
        }
        // The first Content-Type wins, as in Python's email.
        let (m, _) = try parse(["Content-Type: text/html", "Content-Type: text/plain"])
        #expect(m.root.contentType.mimeType == "text/html")
    }

    @Test func unquotedValueEndsAtWhitespace() throws {
        // A folded header that lost its ";": the token ends at the space, as in Python's email.
        let (m, _) = try parse(["Content-Type: multipart/mixed; boundary=b0", " x-extra=1"])
        #expect(m.root.contentType.boundary == "b0")
        let (t, _) = try parse(["Content-Type: multipart/mixed; boundary==_Part=1_"])
        #expect(t.root.contentType.boundary == "=_Part=1_")
    }

    @Test func boundaryTrailingWhitespaceIgnored() throws {
        let (m, _) = try parse(["Content-Type: multipart/mixed; boundary=\"abc  \""])
        #expect(m.root.contentType.boundary == "abc")
    }

    @Test func headerNameRules() throws {
        // "Name : value" (space before the colon) is not a field: the header block ends there.
        let (m, _) = try parse(["Subject: ok", "Bad Name: x", "After: y"])
        #expect(m.root.headers.map(\.name) == ["Subject"])
        #expect(!m.root.hasHeaderSeparator)
        // An mbox envelope line is tolerated.
        let (e, _) = try parse(["From someone@example.org Mon May 18 10:00:00 2026", "Subject: s"])
        #expect(e.root.headers.map(\.name) == ["Subject"])
        #expect(e.root.hasHeaderSeparator)
    }
}

/// `HeaderBlock.makeField` decodes one-line values straight from the buffer and joins folded ones:
/// both give what the plain algorithm (drop every CR and LF, trim whitespace, UTF-8 else Latin-1)
/// gives, on random field bytes.
@Suite struct MakeFieldTests {
    static func reference(_ bytes: [UInt8]) -> (String, String) {
        let colon = bytes.firstIndex(of: 58) ?? bytes.count
        func text(_ b: ArraySlice<UInt8>) -> String {
            if let s = String(validating: b, as: UTF8.self) { return s }
            return String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))
        }
        var value = Array(bytes[min(colon + 1, bytes.count)...].filter { $0 != 13 && $0 != 10 })
        while let f = value.first, f == 32 || f == 9 { value.removeFirst() }
        while let l = value.last, l == 32 || l == 9 { value.removeLast() }
        return (text(bytes[..<colon]), text(value[...]))
    }

    @Test func sameFieldsAsThePlainAlgorithm() {
        let alphabet: [UInt8] = Array("ab: \t\r\n=é".utf8) + [0xE9, 0xFF, 0x80, 0x3A]
        var rng = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [Array("Subject: hello\r\n".utf8), Array("Subject:  a\r\n b \r\n".utf8),
                                Array("X:\r\n".utf8), Array("X".utf8), Array("To: caf\u{E9}\r\n".utf8),
                                [0x58, 0x3A, 0x20, 0xE9, 0x0D, 0x0A], Array("X: a\rb\r\n".utf8)]
        for _ in 0..<2_000 {
            cases.append((0..<Int.random(in: 0..<24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        for bytes in cases {
            let field = bytes.withUnsafeBytes { HeaderBlock.makeField($0, 0..<bytes.count) }
            let (name, value) = Self.reference(bytes)
            #expect(field.name == name, "\(bytes)")
            #expect(field.value == value, "\(bytes)")
            #expect(field.range == 0..<bytes.count)
        }
    }
}

// QPSplice and MIMERewriter.replaceLeaf(_:in:originalDecoded:edits:): the line map agrees with the
// decoder line by line; on many seeded random quoted-printable bodies with random edits the splice
// decodes to the edited content, keeps every untouched encoded line byte for byte and writes lines
// of at most 76 octets without unencoded whitespace before a hard break; the whitespace guards at
// group edges hold; and every fallback case gives exactly the whole-leaf replaceLeaf output.
import Testing
@testable import PixelMIME

enum SpliceGen {
    static let words = ["lorem", "ipsum", "<a", "href=\"https://t.example/o?id=1&x=2\">", "caf\u{E9}", "\u{20AC}",
                        "-dash", "=eq", "--b", "<img", "src=\"x\"", "width=\"1\"", "tab\there", "end."]

    /// Decoded text: lines of words, long lines (soft breaks), spaces and tabs before line ends,
    /// empty lines, "=", "-", non-ASCII. Line ends are `eol` only; with CRLF some bare CRs too.
    static func text(_ rng: inout SeededRNG, lines: Int, crlf: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<lines {
            let count = [0, Int.random(in: 1...6, using: &rng), Int.random(in: 10...60, using: &rng)].randomElement(using: &rng)!
            for w in 0..<count {
                if w > 0 { out += Array([" ", " ", " ", "  ", "\t", ""].randomElement(using: &rng)!.utf8) }
                out += Array(words.randomElement(using: &rng)!.utf8)
                if crlf && UInt64.random(in: 0..<40, using: &rng) == 0 { out.append(13) }
            }
            if Bool.random(using: &rng) && UInt64.random(in: 0..<3, using: &rng) == 0 { out += Array([" ", "\t", "   "].randomElement(using: &rng)!.utf8) }
            out += crlf ? [13, 10] : [10]
        }
        if Bool.random(using: &rng) { out += Array("tail without line end".utf8) }
        return out
    }

    /// Sorted, non-overlapping edits that never split a CRLF; replacement text has `eol` line ends.
    static func edits(_ rng: inout SeededRNG, count n: Int, decoded: [UInt8], crlf: Bool) -> [DecodedEdit] {
        guard !decoded.isEmpty else { return [] }
        func ok(_ p: Int) -> Bool { !(p > 0 && p < decoded.count && decoded[p - 1] == 13 && decoded[p] == 10) }
        var points = Set<Int>()
        for _ in 0..<(2 * n) {
            let p = Int.random(in: 0...decoded.count, using: &rng)
            if ok(p) { points.insert(p) }
        }
        let sorted = points.sorted()
        var out: [DecodedEdit] = []
        var i = 0
        let eol: [UInt8] = crlf ? [13, 10] : [10]
        let texts: [[UInt8]] = [[], [], Array("<p>footer \u{E9}t\u{E9}</p>".utf8), Array(" ".utf8), Array("x".utf8),
                                Array("https://gate.example/g?t=ab=cd".utf8), eol + Array("<div>".utf8) + eol,
                                Array(String(repeating: "long footer text ", count: 8).utf8), Array("a  ".utf8), eol]
        while i < sorted.count {
            let insertion = i + 1 == sorted.count || Bool.random(using: &rng)
            let range = insertion ? sorted[i]..<sorted[i] : sorted[i]..<sorted[i + 1]
            out.append(DecodedEdit(range: range, bytes: texts.randomElement(using: &rng)!))
            i += insertion ? 1 : 2
        }
        return out
    }

    static func apply(_ decoded: [UInt8], _ edits: [DecodedEdit]) -> [UInt8] {
        QPSplice.apply(decoded, 0..<decoded.count, edits[...])
    }

    static func decode(_ s: [UInt8]) -> [UInt8] { s.withUnsafeBytes { QuotedPrintable.decode($0).bytes } }

    /// Lines split after each LF.
    static func lines(_ s: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in s.enumerated() where b == 10 { out.append(s[start...i]); start = i + 1 }
        if start < s.count { out.append(s[start...]) }
        return out
    }
}

@Suite struct QPSpliceTests {
    /// Runs the plan on `body` and applies its replacements; nil when it falls back.
    static func splice(_ body: [UInt8], _ decoded: [UInt8], _ edits: [DecodedEdit], _ eol: LineEnding)
        -> (out: [UInt8], groups: [Range<Int>])? {
        let plan = body.withUnsafeBytes { QPSplice.plan(body: $0, decoded: decoded, edits: edits, lineEnding: eol) }
        guard case .splice(let groups, _) = plan else { return nil }
        var out: [UInt8] = []
        var pos = 0
        for g in groups {
            out += body[pos..<g.range.lowerBound] + g.bytes
            pos = g.range.upperBound
        }
        return (out + body[pos...], groups.map(\.range))
    }

    @Test func lineMapAgreesWithTheDecoderLineByLine() {
        var rng = SeededRNG(seed: 2045_76)
        for round in 0..<1500 {
            let crlf = round % 2 == 0
            var body = QuotedPrintable.encode(SpliceGen.text(&rng, lines: Int.random(in: 0...12, using: &rng), crlf: crlf),
                                              lineEnding: crlf ? .crlf : .lf)
            // Hand-written QP too: padding, whitespace before soft breaks, invalid "=", lower-case hex.
            let pieces = ["  ", " =", "=\t", "=G1", "=3d", "=", "\t", "x "].map { Array($0.utf8) }
            for _ in 0..<(round % 3 == 0 ? Int.random(in: 0...6, using: &rng) : 0) {
                body.insert(contentsOf: pieces.randomElement(using: &rng)!, at: Int.random(in: 0...body.count, using: &rng))
            }
            let map: QPLineMap
            switch body.withUnsafeBytes({ QPLineMap.build($0, lineEnding: crlf ? .crlf : .lf) }) {
            case .success(let m): map = m
            case .failure: continue
            }
            let whole = SpliceGen.decode(body)
            for l in 0..<map.lineCount {
                let line = Array(body[map.encodedStart(l)..<map.encodedStart(l + 1)])
                let alone = SpliceGen.decode(line)
                #expect(alone.count == map.decodedStart(l + 1) - map.decodedStart(l), "line \(l) of \(body)")
                // (No "=0A" in these bodies: a line decodes to a final LF exactly when it ends hard.)
                if line.last == 10 { #expect(map.softBreak(l) == (alone.last != 10), "line \(l) of \(body)") }
                if map.decodedCount == whole.count {
                    #expect(Array(whole[map.decodedStart(l)..<map.decodedStart(l + 1)]) == alone, "line \(l) of \(body)")
                }
            }
        }
    }

    @Test func randomSplicesDecodeToTheEditedContent() {
        var rng = SeededRNG(seed: 6_1045)
        var spliced = 0, fellBack = 0
        for round in 0..<3000 {
            let crlf = round % 2 == 0
            let eol: LineEnding = crlf ? .crlf : .lf
            let text = SpliceGen.text(&rng, lines: Int.random(in: 1...25, using: &rng), crlf: crlf)
            let body = QuotedPrintable.encode(text, lineEnding: eol)
            let decoded = SpliceGen.decode(body)
            #expect(decoded == text)
            let edits = SpliceGen.edits(&rng, count: Int.random(in: 1...5, using: &rng), decoded: decoded, crlf: crlf)
            guard let (out, groups) = Self.splice(body, decoded, edits, eol) else { fellBack += 1; continue }
            spliced += 1
            // 1. Decodes to the edited content.
            let want = SpliceGen.apply(decoded, edits)
            #expect(SpliceGen.decode(out) == want, "round \(round)")
            // 2. Lines of at most 76 octets, no unencoded whitespace before a hard break.
            for line in SpliceGen.lines(out) {
                var content = line
                if content.last == 10 { content = content.dropLast(); if content.last == 13 { content = content.dropLast() } }
                #expect(content.count <= 76, "round \(round): \(String(decoding: content, as: UTF8.self))")
                if line.last == 10, let last = content.last { #expect(last != 32 && last != 9, "round \(round)") }
                if crlf { #expect(line.last != 10 || line.dropLast().last == 13) } else { #expect(!line.contains(13)) }
            }
            // 3. Untouched lines unchanged: a byte-identical prefix up to the first touched line and
            // suffix after the last, and every gap between groups copied as it was.
            if let first = groups.first, let last = groups.last {
                #expect(out.starts(with: body[..<first.lowerBound]))
                #expect(out.reversed().starts(with: body[last.upperBound...].reversed()))
                #expect(first.lowerBound == 0 || body[first.lowerBound - 1] == 10)
                #expect(body[last.upperBound - 1] == 10)
            }
        }
        // Most random edits are spliced (fallback: an edit on the last line).
        #expect(spliced > fellBack)
    }

    /// Bodies no encoder of ours would write (whitespace before soft breaks, whitespace-only and
    /// empty continuation lines, lower-case hex, transport padding): the same three checks whenever
    /// the plan splices, and a fallback never changes what the decoder sees.
    @Test func randomHandWrittenBodies() {
        var rng = SeededRNG(seed: 1521)
        var spliced = 0
        for round in 0..<3000 {
            let crlf = round % 2 == 1
            let eol: LineEnding = crlf ? .crlf : .lf
            let e = crlf ? "\r\n" : "\n"
            var body = QuotedPrintable.encode(SpliceGen.text(&rng, lines: Int.random(in: 1...15, using: &rng), crlf: crlf), lineEnding: eol)
            let pieces = [" =" + e, "  =" + e, "\t=" + e, "=" + e, " " + e, e, "  " + e, "=3d", "=c3=a9", " =" + e + " ", "= " + e]
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                // At line starts only, so no escape is split.
                let starts = [0] + body.indices.filter { body[$0] == 10 }.map { $0 + 1 }
                body.insert(contentsOf: Array(pieces.randomElement(using: &rng)!.utf8), at: starts.randomElement(using: &rng)!)
            }
            let decoded = SpliceGen.decode(body)
            let edits = SpliceGen.edits(&rng, count: Int.random(in: 1...4, using: &rng), decoded: decoded, crlf: crlf)
            guard let (out, groups) = Self.splice(body, decoded, edits, eol) else { continue }
            spliced += 1
            #expect(SpliceGen.decode(out) == SpliceGen.apply(decoded, edits), "round \(round): \(body)")
            if let first = groups.first, let last = groups.last {
                #expect(out.starts(with: body[..<first.lowerBound]))
                #expect(out.reversed().starts(with: body[last.upperBound...].reversed()))
            }
            // Kept lines are within 76 octets (else the plan falls back), re-encoded ones too.
            for line in SpliceGen.lines(out) { #expect(line.count <= 78) }
        }
        #expect(spliced > 300)
    }

    /// A group starting after "text =" (soft break after a space) must not start with a line end:
    /// the decoder would take that space for transport padding. The guard takes the line in.
    @Test func whitespaceBeforeASoftBreakIsNotLostAtAGroupStart() throws {
        let body = Array("abc =\r\nxyz\r\nmore\r\nlast".utf8)
        let decoded = SpliceGen.decode(body)
        #expect(decoded == Array("abc xyz\r\nmore\r\nlast".utf8))
        let edits = [DecodedEdit(range: 4..<7, bytes: [])]   // delete "xyz"
        let (out, groups) = try #require(Self.splice(body, decoded, edits, .crlf))
        #expect(SpliceGen.decode(out) == Array("abc \r\nmore\r\nlast".utf8))
        #expect(groups == [0..<12])
    }

    /// Content ending in a space before the group's soft break, followed by a kept line that starts
    /// with a line end: the group takes that line in.
    @Test func whitespaceBeforeAGroupEndIsNotLost() throws {
        let body = Array("abcdef=\r\n\r\nmore\r\nlast".utf8)
        let decoded = SpliceGen.decode(body)
        let edits = [DecodedEdit(range: 3..<6, bytes: Array(" ".utf8))]   // "abc " + soft break
        let (out, groups) = try #require(Self.splice(body, decoded, edits, .crlf))
        #expect(SpliceGen.decode(out) == Array("abc \r\nmore\r\nlast".utf8))
        #expect(groups == [0..<11])
    }

    @Test func aFullLineKeepsItsSoftBreakWithinSeventySixOctets() throws {
        let long = String(repeating: "y", count: 75)
        let body = Array("\(long)=\r\nzz\r\nlast".utf8)
        let decoded = SpliceGen.decode(body)
        let edits = [DecodedEdit(range: 10..<11, bytes: Array("Q".utf8))]
        let (out, _) = try #require(Self.splice(body, decoded, edits, .crlf))
        #expect(SpliceGen.decode(out) == SpliceGen.apply(decoded, edits))
        #expect(out == Array("\(long.prefix(10))Q\(long.dropFirst(11))=\r\nzz\r\nlast".utf8))
    }
}

@Suite struct QPSpliceRewriterTests {
    static func message(_ encoding: String, _ body: [String], eol: String = "\r\n") -> [UInt8] {
        T.message(["From: a@example.org", "Content-Type: multipart/alternative; boundary=b", "", "--b",
                   "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: \(encoding)", ""]
                  + body + ["--b", "Content-Type: text/plain", "", "p", "--b--"], eol: eol)
    }

    /// New API output and old API output (replaceLeaf with the edits applied) for leaf 0.
    static func both(_ bytes: [UInt8], _ edits: [DecodedEdit]) throws -> (new: [UInt8], old: [UInt8], how: LeafRewrite) {
        let m = try T.parse(bytes)
        let decoded = T.decoded(m.leaves()[0], bytes).bytes
        var r1 = MIMERewriter(message: m)
        let how = try bytes.withUnsafeBytes { try r1.replaceLeaf(0, in: $0, originalDecoded: decoded, edits: edits) }
        var r2 = MIMERewriter(message: m)
        try r2.replaceLeaf(0, decodedBody: SpliceGen.apply(decoded, edits))
        return (MIMERewriter.render(r1.chunks(), original: bytes), MIMERewriter.render(r2.chunks(), original: bytes), how)
    }

    static let html = ["<html><body>", "<p>caf=C3=A9 with a long line that the encoder had to break at some =",
                       "point</p><img src=3D\"https://t.example/p.gif\" width=3D\"1\">", "<p>more</p>", "</body></html>"]

    @Test func quotedPrintableLeafIsSpliced() throws {
        let bytes = Self.message("quoted-printable", Self.html)
        let m = try T.parse(bytes)
        let decoded = T.decoded(m.leaves()[0], bytes).bytes
        let img = try #require(decoded.firstRange(of: Array("<img".utf8)))
        let end = try #require(decoded.firstRange(of: Array("\">".utf8)))
        let (new, _, how) = try Self.both(bytes, [DecodedEdit(range: img.lowerBound..<end.upperBound, bytes: [])])
        // The image's line, and the line before it: that one ends with "some =", a soft break
        // after a space (the start guard).
        #expect(how == .spliced(reencodedLines: 2, groups: 1))
        #expect(String(decoding: new, as: UTF8.self).contains(
            "\r\n\r\n<html><body>\r\n<p>caf=C3=A9 with a long line that the encoder had to break at some point</=\r\np>\r\n<p>more</p>\r\n</body></html>\r\n--b\r\n"))
        let again = try T.parse(new)
        #expect(again.leaves().count == 2)
        var want = decoded
        want.removeSubrange(img.lowerBound..<end.upperBound)
        #expect(T.decoded(again.leaves()[0], new).bytes == want)
        #expect(T.body(again.leaves()[1], new) == Array("p".utf8))
    }

    @Test func fallbacksMatchTheWholeLeafRewrite() throws {
        let insert = [DecodedEdit(range: 2..<2, bytes: Array("<b>x</b>".utf8))]
        let cases: [([UInt8], [DecodedEdit], QPSpliceFallback)] = [
            (Self.message("base64", ["PGh0bWw+PGJvZHk+PHA+aGk8L3A+PC9ib2R5PjwvaHRtbD4="]), insert, .notQuotedPrintable),
            (Self.message("7bit", ["<html>", "<body>", "</body>"]), insert, .notQuotedPrintable),
            (Self.message("8bit", ["<html>", "<body>", "</body>"]), insert, .notQuotedPrintable),
            (Self.message("quoted-printable", ["<html>" + String(repeating: "x", count: 80), "</html>"]), insert, .lineTooLong),
            (Self.message("quoted-printable", ["<html>\n<p>", "</html>"]), insert, .unexpectedLineEnding),
            (Self.message("quoted-printable", ["<html>\r<p>", "</html>"]), insert, .unexpectedLineEnding),
            (Self.message("quoted-printable", ["<html> =", "  ", "</html>"]), insert, .decodedLengthMismatch),
            (Self.message("quoted-printable", ["<html>", "</html>"]), [DecodedEdit(range: 8..<8, bytes: [65])], .touchesLastLine),
            (Self.message("quoted-printable", ["<html>", "</html>"]), [DecodedEdit(range: 15..<15, bytes: [65])], .touchesLastLine),
            (Self.message("quoted-printable", ["<html>", "</html>"], eol: "\n"), [DecodedEdit(range: 13..<14, bytes: [])], .touchesLastLine),
        ]
        for (bytes, edits, reason) in cases {
            let (new, old, how) = try Self.both(bytes, edits)
            #expect(how == .wholeLeaf(reason))
            #expect(new == old)
        }
    }

    @Test func bodyWithoutSeparatorFallsBack() throws {
        let bytes = Array("Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable".utf8)
        let (new, old, how) = try Self.both(bytes, [DecodedEdit(range: 0..<0, bytes: Array("<p>".utf8))])
        #expect(how == .wholeLeaf(.headerEditNeeded))
        #expect(new == old)
    }

    @Test func refusesWhatTheWholeLeafPathRefuses() throws {
        let bytes = Self.message("quoted-printable", Self.html)
        let m = try T.parse(bytes)
        var r = MIMERewriter(message: m)
        bytes.withUnsafeBytes { buffer in
            #expect(throws: MIMERewriteError.self) { try r.replaceLeaf(5, in: buffer, originalDecoded: [], edits: []) }
            #expect(throws: MIMERewriteError.self) {
                try r.replaceLeaf(0, in: buffer, originalDecoded: [1, 2, 3], edits: [DecodedEdit(range: 2..<3, bytes: []), DecodedEdit(range: 0..<1, bytes: [])])
            }
        }
        let decoded = T.decoded(m.leaves()[0], bytes).bytes
        try bytes.withUnsafeBytes { buffer in
            try r.replaceLeaf(0, in: buffer, originalDecoded: decoded, edits: [DecodedEdit(range: 0..<0, bytes: [65])])
            #expect(throws: MIMERewriteError.self) { try r.replaceLeaf(0, in: buffer, originalDecoded: decoded, edits: []) }
        }
    }

    /// Whole messages: random QP HTML leaves in a multipart, random edits: the rewritten message
    /// parses to the same leaves and the leaf decodes to the edited content.
    @Test func randomMessagesKeepTheirStructure() throws {
        var rng = SeededRNG(seed: 2046)
        var splicedCount = 0
        for round in 0..<400 {
            let crlf = round % 2 == 0
            let eol = crlf ? "\r\n" : "\n"
            var text = SpliceGen.text(&rng, lines: Int.random(in: 2...20, using: &rng), crlf: crlf)
            if text.last != 10 { text += crlf ? [13, 10] : [10] }
            let encoded = String(decoding: QuotedPrintable.encode(text, lineEnding: crlf ? .crlf : .lf), as: UTF8.self)
            let lines = encoded.split(separator: eol, omittingEmptySubsequences: false).dropLast().map(String.init)
            let bytes = Self.message("quoted-printable", lines, eol: eol)
            let m = try T.parse(bytes)
            let decoded = T.decoded(m.leaves()[0], bytes).bytes
            let edits = SpliceGen.edits(&rng, count: Int.random(in: 1...4, using: &rng), decoded: decoded, crlf: crlf)
            let (new, old, how) = try Self.both(bytes, edits)
            if case .spliced = how { splicedCount += 1 } else { #expect(new == old) }
            let again = try T.parse(new)
            #expect(again.leaves().count == 2)
            #expect(T.decoded(again.leaves()[0], new).bytes == SpliceGen.apply(decoded, edits), "round \(round)")
            #expect(T.body(again.leaves()[1], new) == Array("p".utf8))
        }
        #expect(splicedCount > 100)
    }
}

// ReplyParser: incremental parser of server replies (client side), multi-line `250-` / `250 `.
// Guarantees:
// - Each line must be three digits (first 2-5, second 0-5) followed by "-", " " or the line end;
//   every line of one reply must carry the same code; lines are at most `maxLineLength` octets and a
//   reply has at most `maxLines` lines. Any violation throws an SMTPError (451 4.5.0, cause = detail)
//   and the parser stays failed: the connection cannot be trusted any more.
// - The enhanced code (`x.y.z` whose class matches the reply code, RFC 2034) is taken from the first
//   line and removed from every line that carries it.
// - Bytes after a complete reply stay buffered (`buffered`), so pipelined replies come one by one and
//   data sent early after STARTTLS's 220 can be detected and refused.

public struct ReplyParser: Sendable {
    public static let defaultMaxLines = 200

    public let maxLines: Int
    private var framer: LineFramer
    private var pending: [(code: Int, text: [UInt8])] = []
    private var failed: SMTPError?

    public init(maxLineLength: Int = LineFramer.defaultReplyLineLimit, maxLines: Int = ReplyParser.defaultMaxLines) {
        framer = LineFramer(maxLength: maxLineLength, bareLFEndsLine: true)
        self.maxLines = max(1, maxLines)
    }

    /// Bytes received and not yet framed into a line. After a complete reply this is what the peer
    /// sent beyond it (e.g. data injected after STARTTLS's 220).
    public var buffered: Int { framer.buffered }

    /// Whether a partial multi-line reply has been read.
    public var isInsideReply: Bool { !pending.isEmpty }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        framer.append(bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    public mutating func next() throws(SMTPError) -> SMTPReply? {
        if let failed { throw failed }
        while let result = framer.nextLine() {
            guard case .line(let line) = result else { throw fail("reply line too long") }
            guard line.count >= 3, let code = Self.code(line) else { throw fail("malformed reply line") }
            let sep: UInt8 = line.count > 3 ? line[3] : 0x20
            guard sep == 0x20 || sep == 0x2D else { throw fail("malformed reply separator") }
            if let first = pending.first, first.code != code { throw fail("inconsistent codes in multi-line reply") }
            let text = line.count > 4 ? Array(line[4...]) : []
            pending.append((code, text))
            if sep == 0x2D {
                guard pending.count < maxLines else { throw fail("reply has too many lines") }
                continue
            }
            let reply = Self.build(code: code, lines: pending.map(\.text))
            pending.removeAll()
            return reply
        }
        return nil
    }

    /// Returns the unparsed bytes and forgets them.
    public mutating func takeRemainder() -> [UInt8] { framer.takeRemainder() }

    private mutating func fail(_ cause: String) -> SMTPError {
        let e = SMTPError(SMTPReply(451, "4.5.0", "Error: upstream protocol error"), cause: cause)
        failed = e
        return e
    }

    static func code(_ line: [UInt8]) -> Int? {
        let d0 = line[0], d1 = line[1], d2 = line[2]
        guard d0 >= 0x32 && d0 <= 0x35, d1 >= 0x30 && d1 <= 0x35, d2 >= 0x30 && d2 <= 0x39 else { return nil }
        return Int(d0 - 0x30) * 100 + Int(d1 - 0x30) * 10 + Int(d2 - 0x30)
    }

    static func build(code: Int, lines: [[UInt8]]) -> SMTPReply {
        let enhanced = lines.first.flatMap { enhancedCode(in: $0, replyCode: code) }
        let texts: [String] = lines.map { line in
            var t = line[...]
            if let e = enhanced {
                let eb = Array(e.utf8)
                if t.starts(with: eb) && (t.count == eb.count || t[t.startIndex + eb.count] == 0x20) {
                    t = t.dropFirst(eb.count)
                    if t.first == 0x20 { t = t.dropFirst() }
                }
            }
            return String(decoding: t, as: UTF8.self)
        }
        return SMTPReply(code: code, enhanced: enhanced, lines: texts)
    }

    /// `class.subject.detail` at the start of `text`: class equals the code's first digit, subject
    /// 1-3 digits, detail 1-3 digits, followed by a space or the end.
    static func enhancedCode(in text: [UInt8], replyCode: Int) -> String? {
        guard let cls = text.first, Int(cls) - 0x30 == replyCode / 100, replyCode >= 200 else { return nil }
        guard cls != 0x33 else { return nil }
        var i = 1
        for _ in 0..<2 {
            guard i < text.count, text[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            let start = i
            while i < text.count, text[i] >= 0x30 && text[i] <= 0x39, i - start < 3 { i += 1 }
            guard i > start else { return nil }
        }
        guard i == text.count || text[i] == 0x20 else { return nil }
        return String(decoding: text[0..<i], as: UTF8.self)
    }
}

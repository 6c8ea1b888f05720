// FuzzMIME: libFuzzer target for PixelMIME. Each input is parsed; every leaf is decoded; the
// message is rewritten with no change (must reproduce the input exactly) and with every
// rewritable leaf replaced by its own decoded bytes (must parse again with the same number of
// leaves, each decoding to the same bytes), and edited through the quoted-printable splice path
// (checkSpliced). Any violation traps, so libFuzzer reports it.
// Without -DFUZZING, `fuzz-mime FILE...` runs the same checks on files and prints the structure.
import PixelMIME

/// Runs every check on one input; returns a description of the first violation, if any.
func checkOne(_ bytes: UnsafeRawBufferPointer) -> String? {
    let message: MIMEMessage
    do {
        message = try MIMEParser.parse(bytes, limits: MIMELimits())
    } catch {
        return nil // a limit was exceeded: a valid outcome
    }
    let leaves = message.leaves()
    var decoded: [Int: [UInt8]] = [:]
    for (i, leaf) in leaves.enumerated() {
        guard leaf.bodyRange.upperBound <= bytes.count, leaf.headerRange.lowerBound >= 0 else {
            return "leaf \(i) range out of bounds"
        }
        let d = TransferCodec.decodeBody(of: leaf, in: bytes)
        // Rewritable leaves: not encapsulated messages, not boundary-less multiparts, and in a
        // known transfer encoding (MIMERewriter refuses the others by design).
        if case .other = leaf.transferEncoding { continue }
        if !leaf.isMessageRFC822 && !leaf.contentType.isMultipart { decoded[i] = d.bytes }
    }
    // Identity rewrite.
    let same = MIMERewriter.render(MIMERewriter(message: message).chunks(), original: bytes)
    if !same.elementsEqual(bytes) { return "identity rewrite changed the message" }
    // Replace every rewritable leaf with its own decoded content.
    let rewritten: [UInt8]
    do {
        rewritten = MIMERewriter.render(try MIMERewriter.rewrite(message, replacements: decoded), original: bytes)
    } catch {
        return "rewrite refused: \(error)"
    }
    #if !FUZZING
    if let path = ProcessInfo.processInfo.environment["FUZZ_MIME_DUMP_REWRITE"] {
        _ = FileManager.default.createFile(atPath: path, contents: Data(rewritten))
    }
    #endif
    if let failure = checkReplaced(message, leaves, decoded, rewritten) { return failure }
    // Replace every rewritable leaf with its content plus an appended footer-like text: the
    // structure must survive and each leaf must decode to exactly that.
    var grown: [Int: [UInt8]] = [:]
    for (i, content) in decoded { grown[i] = content + Array("\r\nfooter \u{E9} <a href=\"https://x.example/w/1\">w</a>".utf8) }
    let appended: [UInt8]
    do {
        appended = MIMERewriter.render(try MIMERewriter.rewrite(message, removingTopLevelHeaders: ["Tracking-Purposes"],
                                                                replacements: grown), original: bytes)
    } catch {
        return "rewrite refused: \(error)"
    }
    #if !FUZZING
    if let path = ProcessInfo.processInfo.environment["FUZZ_MIME_DUMP_REWRITE"] {
        _ = FileManager.default.createFile(atPath: path + ".appended", contents: Data(appended))
    }
    #endif
    if let failure = checkReplaced(message, leaves, grown, appended) { return failure }
    return checkSpliced(message, leaves, decoded, bytes)
}

/// Edits every rewritable leaf through replaceLeaf(_:in:originalDecoded:edits:) (a deletion at a
/// third and an insertion at two thirds of the decoded body): the structure must survive and each
/// leaf must decode to the edited content (a spliced leaf modulo line ends: only its re-encoded
/// lines write them in the message's line ending; a whole-leaf rewrite as checkReplaced says).
func checkSpliced(_ message: MIMEMessage, _ leaves: [MIMEPart], _ decoded: [Int: [UInt8]], _ bytes: UnsafeRawBufferPointer) -> String? {
    var rewriter = MIMERewriter(message: message)
    var wanted: [Int: [UInt8]] = [:]
    var spliced: Set<Int> = []
    for (i, content) in decoded.sorted(by: { $0.key < $1.key }) {
        let n = content.count
        let cut = (n / 3)..<min(n / 3 + 7, 2 * n / 3)
        let edits = [DecodedEdit(range: cut, bytes: []), DecodedEdit(range: (2 * n / 3)..<(2 * n / 3), bytes: Array("<p>f\u{E9}</p>\r\n".utf8))]
        var want = content
        want.insert(contentsOf: edits[1].bytes, at: 2 * n / 3)
        want.removeSubrange(cut)
        wanted[i] = want
        do {
            if case .spliced = try rewriter.replaceLeaf(i, in: bytes, originalDecoded: content, edits: edits) { spliced.insert(i) }
        } catch {
            return "splice refused: \(error)"
        }
    }
    let out = MIMERewriter.render(rewriter.chunks(), original: bytes)
    let whole = wanted.filter { !spliced.contains($0.key) }
    if let failure = checkReplaced(message, leaves, whole, out) { return "splice: " + failure }
    return out.withUnsafeBytes { buffer -> String? in
        guard let again = try? MIMEParser.parse(buffer) else { return "spliced message no longer parses" }
        let newLeaves = again.leaves()
        for i in spliced {
            let d = TransferCodec.decodeBody(of: newLeaves[i], in: buffer).bytes
            if d.filter({ $0 != 13 && $0 != 10 }) != wanted[i]!.filter({ $0 != 13 && $0 != 10 }) {
                return "spliced leaf \(i) decodes differently"
            }
        }
        return nil
    }
}

/// Parses `rewritten` and checks it has the same leaves as `message`, and that every replaced
/// leaf decodes to its replacement (modulo line-end normalisation by the encoding).
func checkReplaced(_ message: MIMEMessage, _ leaves: [MIMEPart], _ replaced: [Int: [UInt8]], _ rewritten: [UInt8]) -> String? {
    let again: MIMEMessage
    do {
        again = try rewritten.withUnsafeBytes { buffer throws(MIMEError) in try MIMEParser.parse(buffer) }
    } catch {
        return "rewritten message no longer parses: \(error)"
    }
    let newLeaves = again.leaves()
    if newLeaves.count != leaves.count { return "leaf count \(leaves.count) -> \(newLeaves.count)" }
    for (a, b) in zip(leaves, newLeaves) where a.contentType != b.contentType {
        return "content type \(a.contentType.mimeType) -> \(b.contentType.mimeType)"
    }
    return rewritten.withUnsafeBytes { buffer -> String? in
        for (i, content) in replaced {
            let leaf = newLeaves[i]
            let d = TransferCodec.decodeBody(of: leaf, in: buffer).bytes
            let want = expectedRoundTrip(content, leaf.transferEncoding, message.lineEnding)
            // The rewriter may add one line end to a body that ran to the end of the message, and
            // identity encodings break lines longer than 998 octets (only line ends are added).
            if d != want && d != want + message.lineEnding.bytes
                && !(leaf.transferEncoding.isIdentity && brokenLinesOnly(d, want)) {
                return "leaf \(i) (\(leaves[i].contentType.mimeType), \(leaves[i].transferEncoding) -> \(leaf.transferEncoding)) decodes differently"
            }
        }
        return nil
    }
}

/// What content decodes to after encoding: QP writes hard breaks with the message's line end
/// (CRLF and bare LF are both hard breaks); 7bit/8bit turn bare LF into CRLF in CRLF messages.
func expectedRoundTrip(_ content: [UInt8], _ encoding: TransferEncoding, _ eol: LineEnding) -> [UInt8] {
    switch encoding {
    case .quotedPrintable: return eol == .crlf ? bareLFToCRLF(content) : crlfToLF(content)
    case .sevenBit, .eightBit: return eol == .crlf ? bareLFToCRLF(content) : content
    default: return content
    }
}

/// True when `got` equals `want` except for added line ends, and no line of `got` exceeds 998.
func brokenLinesOnly(_ got: [UInt8], _ want: [UInt8]) -> Bool {
    got.filter { $0 != 13 && $0 != 10 } == want.filter { $0 != 13 && $0 != 10 }
        && got.split(separator: 10, omittingEmptySubsequences: false).allSatisfy { $0.count <= 999 }
}

func bareLFToCRLF(_ x: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for (i, c) in x.enumerated() {
        if c == 10 && (i == 0 || x[i - 1] != 13) { out.append(13) }
        out.append(c)
    }
    return out
}

func crlfToLF(_ x: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < x.count {
        if x[i] == 13 && i + 1 < x.count && x[i + 1] == 10 { out.append(10); i += 2; continue }
        out.append(x[i]); i += 1
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    if let failure = checkOne(buffer) { fatalError("FuzzMIME: \(failure)") }
    return 0
}

#if !FUZZING
import Foundation

func describe(_ part: MIMEPart, indent: String) {
    let d = part.disposition.map { " disposition=\($0.kind)" } ?? ""
    print("\(indent)\(part.contentType.mimeType) enc=\(part.transferEncoding) header=\(part.headerRange) body=\(part.bodyRange)\(part.isMessageRFC822 ? " rfc822" : "")\(d)")
    for c in part.children { describe(c, indent: indent + "  ") }
}

/// Writes the message with each text leaf replaced by its decoded content plus a marker line
/// (for differential checks against other MIME parsers).
func emitRewritten(_ m: MIMEMessage, _ buffer: UnsafeRawBufferPointer, to path: String) {
    var replacements: [Int: [UInt8]] = [:]
    for (i, leaf) in m.leaves().enumerated() where leaf.contentType.isText {
        var d = TransferCodec.decodeBody(of: leaf, in: buffer).bytes
        d += Charset.encode(text: "\r\nAppended \u{E9}t\u{E9} \u{20AC} \u{1F600} line\r\n", charset: leaf.contentType.charset ?? "us-ascii")
        replacements[i] = d
    }
    var r = MIMERewriter(message: m)
    r.removeTopLevelHeaders(names: ["Tracking-Purposes", "Tracking-Campaign"])
    for (i, d) in replacements { try? r.replaceLeaf(i, decodedBody: d) }
    let out = MIMERewriter.render(r.chunks(), original: buffer)
    _ = FileManager.default.createFile(atPath: path, contents: Data(out))
}

@main struct FuzzMIMEMain {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        if files.isEmpty {
            print("usage: fuzz-mime FILE...  (build with -DFUZZING for libFuzzer; see README \"Fuzzing\")")
            return
        }
        var failures = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { print("\(file): unreadable"); failures += 1; continue }
            let bytes = [UInt8](data)
            bytes.withUnsafeBytes { buffer in
                if ProcessInfo.processInfo.environment["FUZZ_MIME_TYPES"] != nil {
                    // One line per file: the leaf content types (for differential checks).
                    let types = (try? MIMEParser.parse(buffer))?.leaves().map(\.contentType.mimeType) ?? ["<error>"]
                    print(types.joined(separator: " "))
                    return
                }
                if let m = try? MIMEParser.parse(buffer) {
                    print("\(file): \(m.leaves().count) leaves, \(m.defects.count) defects")
                    describe(m.root, indent: "  ")
                    for d in m.defects { print("  defect: \(d)") }
                }
                if let failure = checkOne(buffer) { print("\(file): FAIL \(failure)"); failures += 1 }
                if let dir = ProcessInfo.processInfo.environment["FUZZ_MIME_EMIT"], let m = try? MIMEParser.parse(buffer) {
                    emitRewritten(m, buffer, to: dir + "/" + (file as NSString).lastPathComponent)
                }
            }
        }
        if failures > 0 { exit(1) }
    }
}
#endif

// Interop test with Python's email package (what the corpus checker parses with): every corpus
// message, rewritten with text appended to each text leaf and the Tracking-* headers removed,
// must parse with no defects, the same leaf content types, byte-identical non-text leaves,
// unchanged From/To/Subject/Date/Message-ID, and each text leaf's decoded text extended only at
// the end. Runs when python3 is installed.
import Foundation
import Testing
@testable import PixelMIME

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
struct PythonInteropTests {
    static let script = #"""
import email, email.policy, sys, os
def leaves(m):
    out = []
    def walk(p):
        if p.get_content_type() == 'message/rfc822' or not p.is_multipart():
            out.append(p); return
        for c in p.get_payload(): walk(c)
    walk(m); return out
bad = 0
for name in sorted(os.listdir(sys.argv[1])):
    a = email.message_from_bytes(open(os.path.join(sys.argv[1], name), 'rb').read(), policy=email.policy.default)
    b = email.message_from_bytes(open(os.path.join(sys.argv[2], name), 'rb').read(), policy=email.policy.default)
    problems = []
    for p in b.walk():
        if p.defects: problems.append('defects %r' % p.defects)
    la, lb = leaves(a), leaves(b)
    if [p.get_content_type() for p in la] != [p.get_content_type() for p in lb]: problems.append('leaf types')
    for x, y in zip(la, lb):
        if x.get_content_maintype() == 'text':
            dx, dy = x.get_payload(decode=True).rstrip(b'\r\n'), y.get_payload(decode=True)
            if not dy.startswith(dx) or b'MARKER' not in dy[len(dx):]: problems.append('text not appended ' + x.get_content_type())
        elif x.get_content_type() != 'message/rfc822':
            if x.get_payload(decode=True) != y.get_payload(decode=True): problems.append('bytes differ')
            if x.get_filename() != y.get_filename() or x['content-id'] != y['content-id']: problems.append('names differ')
        elif x.as_bytes() != y.as_bytes(): problems.append('attached message differs')
    for h in ['From', 'To', 'Subject', 'Date', 'Message-ID']:
        if str(a[h]) != str(b[h]): problems.append('header ' + h)
    if 'Tracking-Purposes' in b or 'Tracking-Campaign' in b: problems.append('tracking header kept')
    if problems:
        bad += 1
        print(name, problems)
print('checked', len(os.listdir(sys.argv[1])), 'bad', bad)
sys.exit(1 if bad else 0)
"""#

    @Test func rewrittenCorpusParsesCleanlyInPython() throws {
        let corpus = T.corpus()
        try #require(!corpus.isEmpty)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pixelmime-interop-\(getpid())")
        let inDir = base.appendingPathComponent("in"), outDir = base.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: inDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        for (name, bytes) in corpus {
            let m = try T.parse(bytes)
            var r = MIMERewriter(message: m)
            r.removeTopLevelHeaders(names: ["Tracking-Purposes", "Tracking-Campaign"])
            for (i, leaf) in m.leaves().enumerated() where leaf.contentType.isText {
                let charset = leaf.contentType.charset ?? "us-ascii"
                let added = Charset.encode(text: "\r\nMARKER é € <a href=\"https://gate.example/w/x\">retirer</a>\r\n", charset: charset)
                try r.replaceLeaf(i, decodedBody: T.decoded(leaf, bytes).bytes + added)
            }
            try Data(bytes).write(to: inDir.appendingPathComponent(name))
            try Data(MIMERewriter.render(r.chunks(), original: bytes)).write(to: outDir.appendingPathComponent(name))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, inDir.path, outDir.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("checked \(corpus.count) bad 0"), "\(output)")
    }
}

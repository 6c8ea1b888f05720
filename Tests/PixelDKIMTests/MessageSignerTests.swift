// MessageSigner: signing verifies (both algorithms, dual), existing signatures are kept on an
// unchanged message, judged by body hash on a changed one, removed or kept per policy.
import Foundation
import Testing
import PixelDKIM

@Suite struct MessageSignerTests {
    static let dir = TempKeys.dir()
    static let rsaKey = try! SigningKey(path: TempKeys.rsa(2048, in: dir), algorithm: .rsaSHA256)
    static let edKey = try! SigningKey(path: TempKeys.ed25519(in: dir), algorithm: .ed25519SHA256)

    static let message = bytes("""
    From: Shop <news@shop.example>\r
    To: a@b.example\r
    Subject: Sale\r
    Date: Mon, 30 Nov 2026 05:00:00 +0000\r
    Message-ID: <1@shop.example>\r
    Authentication-Results: mx.example; spf=pass\r
    ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; s=a; b=AAAA\r
    X-Other: 1\r
    \r
    Hello  there\r
    <img src="https://t.example/p.gif">\r
    \r

    """)

    static func signer(_ key: SigningKey, domain: String = "shop.example", selector: String) -> Signer {
        Signer(domain: domain, selector: selector, key: key)
    }

    /// Applies an outcome to a message held whole (what the relay wiring does with chunks).
    static func apply(_ o: SigningOutcome, _ m: [UInt8]) -> [UInt8] {
        let body = o.bodyStart == nil ? [] : Array(m[o.headerBlock.count...])
        return o.signatures + (o.rewrittenHeaderBlock ?? o.headerBlock) + body
    }

    @Test func dualSignatureVerifiesWithBothKeys() throws {
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.rsaKey, selector: "r"), matchSubdomains: false),
                                         SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let o = ms.process(message: Self.message, changed: true, time: 1_800_000_000)
        #expect(o.signedBy == ["shop.example/r", "shop.example/e"])
        let out = Self.apply(o, Self.message)
        #expect(try TestVerifier.verifyMessage(out, index: 0, key: Self.rsaKey))
        #expect(try TestVerifier.verifyMessage(out, index: 1, key: Self.edKey))
        let text = out.text
        #expect(text.contains("t=1800000000;"))
        #expect(!text.contains(" l="))
        #expect(text.contains("Authentication-Results: mx.example; spf=pass\r\n"))
        #expect(text.contains("ARC-Seal: i=1;"))
    }

    @Test func fromIsOversignedAndUnlistedHeadersAreNot() throws {
        let s = Self.signer(Self.edKey, selector: "e")
        var sc = HeaderBlockScanner()
        _ = Self.message.withUnsafeBytes { sc.feed($0) }
        let names = s.signedNames(HeaderFields.split(sc.bytes))
        #expect(names.filter { $0 == "from" }.count == 2)
        #expect(names.contains("message-id") && names.contains("subject"))
        #expect(!names.contains("x-other") && !names.contains("authentication-results"))
    }

    @Test func tamperingBreaksTheSignature() throws {
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let out = Self.apply(ms.process(message: Self.message, changed: false, time: 1), Self.message).text
        let forged = bytes(out.replacingOccurrences(of: "Hello", with: "Hullo"))
        #expect(try !TestVerifier.verifyMessage(forged, index: 0, key: Self.edKey))
        let addedFrom = bytes(out.replacingOccurrences(of: "To: a@b", with: "From: x@evil.example\r\nTo: a@b"))
        #expect(try !TestVerifier.verifyMessage(addedFrom, index: 0, key: Self.edKey))
    }

    @Test func expireSetsX() {
        let s = Signer(domain: "shop.example", selector: "e", key: Self.edKey, expire: 3600)
        let o = MessageSigner(entries: [SigningEntry(signer: s, matchSubdomains: false)]).process(message: Self.message, changed: false, time: 1000)
        #expect(o.signatures.text.contains("x=4600;"))
    }

    @Test func subdomainsOnlyWhenAsked() {
        let parent = Self.signer(Self.edKey, domain: "example", selector: "e")
        let msg = bytes("From: a@news.example\r\n\r\nbody\r\n")
        #expect(MessageSigner(entries: [SigningEntry(signer: parent, matchSubdomains: false)]).process(message: msg, changed: true, time: 1).signedBy.isEmpty)
        #expect(MessageSigner(entries: [SigningEntry(signer: parent, matchSubdomains: true)]).process(message: msg, changed: true, time: 1).signedBy == ["example/e"])
        let other = bytes("From: a@notexample\r\n\r\nbody\r\n")
        #expect(MessageSigner(entries: [SigningEntry(signer: parent, matchSubdomains: true)]).process(message: other, changed: true, time: 1).signedBy.isEmpty)
    }

    /// The message signed first by another domain (a pre-existing signature).
    static func preSigned() -> [UInt8] {
        let upstream = MessageSigner(entries: [SigningEntry(signer: signer(rsaKey, selector: "old"), matchSubdomains: false)])
        return apply(upstream.process(message: message, changed: false, time: 5), message)
    }

    @Test func unchangedMessageKeepsSignaturesUntouched() throws {
        let m = Self.preSigned()
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let o = ms.process(message: m, changed: false, time: 9)
        #expect(o.rewrittenHeaderBlock == nil)
        #expect(o.verdicts.map(\.action) == [.untouched])
        let out = Self.apply(o, m)
        #expect(try TestVerifier.verifyMessage(out, index: 0, key: Self.edKey))
        #expect(try TestVerifier.verifyMessage(out, index: 1, key: Self.rsaKey))
    }

    @Test func rewrittenBodyRemovesTheBrokenSignature() throws {
        let m = Self.preSigned()
        let rewritten = bytes(m.text.replacingOccurrences(of: "<img src=\"https://t.example/p.gif\">", with: ""))
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let o = ms.process(message: rewritten, changed: true, time: 9)
        #expect(o.verdicts == [SignatureVerdict(domain: "shop.example", selector: "old", action: .removed, reason: "body hash mismatch")])
        let out = Self.apply(o, rewritten)
        #expect(!out.text.contains("s=old"))
        #expect(out.text.components(separatedBy: "DKIM-Signature:").count == 2)
        #expect(try TestVerifier.verifyMessage(out, index: 0, key: Self.edKey))
    }

    @Test func keepPolicyKeepsTheBrokenSignature() throws {
        let m = Self.preSigned()
        let rewritten = bytes(m.text.replacingOccurrences(of: "Hello", with: "Hi"))
        let ms = MessageSigner(entries: [], brokenPolicy: .keep)
        let o = ms.process(message: rewritten, changed: true, time: 9)
        #expect(o.verdicts.map(\.action) == [.kept])
        #expect(o.rewrittenHeaderBlock == nil && o.signatures.isEmpty)
        #expect(try !TestVerifier.verifyMessage(Self.apply(o, rewritten), index: 0, key: Self.rsaKey))
    }

    @Test func changedHeadersButSameBodyIsIntact() {
        let m = Self.preSigned()
        let o = MessageSigner(entries: []).process(message: bytes(m.text.replacingOccurrences(of: "X-Other: 1", with: "X-Other: 2")), changed: true, time: 9)
        #expect(o.verdicts.map(\.action) == [.intact])
    }

    @Test func chunkedBodyHashesLikeWhole() throws {
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let whole = ms.process(message: Self.message, changed: true, time: 7)
        let parts = stride(from: 0, to: Self.message.count, by: 5).map { Array(Self.message[$0..<min($0 + 5, Self.message.count)]) }
        let chunked = ms.process(chunkCount: parts.count, changed: true, time: 7) { i, body in parts[i].withUnsafeBytes { body($0) } }
        #expect(chunked.signatures == whole.signatures)
        #expect(chunked.headerBlock == whole.headerBlock)
    }

    @Test func noFromIsSkippedNotCrashed() {
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let o = ms.process(message: bytes("Subject: x\r\n\r\nbody\r\n"), changed: true, time: 1)
        #expect(o.signedBy.isEmpty && o.signatures.isEmpty)
    }

    @Test func tenMegabyteBodyIsStreamed() throws {
        var big = bytes("From: a@shop.example\r\n\r\n")
        let line = bytes(String(repeating: "x", count: 98) + "\r\n")
        for _ in 0..<(10 * 1024 * 1024 / 100) { big += line }
        let ms = MessageSigner(entries: [SigningEntry(signer: Self.signer(Self.edKey, selector: "e"), matchSubdomains: false)])
        let out = Self.apply(ms.process(message: big, changed: true, time: 1), big)
        #expect(try TestVerifier.verifyMessage(out, index: 0, key: Self.edKey))
    }
}

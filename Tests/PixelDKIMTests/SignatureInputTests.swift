// SignatureInput: b= stripping (never bh=), bottom-up selection, and concurrent signing with one key.
import Dispatch
import Foundation
import Testing
import PixelDKIM

@Suite struct SignatureInputTests {
    @Test func stripsOnlyTheBTag() {
        let raw = bytes("DKIM-Signature: v=1; bh=AAAA; b=XYZ\r\n\t123; d=x.example\r\n")
        #expect(SignatureInput.stripSignatureValue(raw).text == "DKIM-Signature: v=1; bh=AAAA; b=; d=x.example\r\n")
        let last = bytes("DKIM-Signature: v=1; bh=AAAA;\r\n\tb=XYZ\r\n\t123\r\n")
        #expect(SignatureInput.stripSignatureValue(last).text == "DKIM-Signature: v=1; bh=AAAA;\r\n\tb=\r\n")
        let none = bytes("DKIM-Signature: v=1; bh=AAAA\r\n")
        #expect(SignatureInput.stripSignatureValue(none) == none)
    }

    @Test func selectionIsBottomUpAndExtraNamesSelectNothing() {
        let block = bytes("A: 1\r\nB: 2\r\n  more\r\nA: 3\r\n\r\n")
        let fields = HeaderFields.split(block)
        let picked = SignatureInput.select(fields, names: ["a", "a", "a", "b"]).map { Array(block[$0.range]).text }
        #expect(picked == ["A: 3\r\n", "A: 1\r\n", "B: 2\r\n  more\r\n"])
    }

    @Test func oneKeySignsFromManyThreadsAtOnce() throws {
        let key = try SigningKey(path: TempKeys.rsa(2048, in: TempKeys.dir()), algorithm: .rsaSHA256)
        let ms = MessageSigner(entries: [SigningEntry(signer: Signer(domain: "shop.example", selector: "r", key: key), matchSubdomains: false)])
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let m = bytes("From: a@shop.example\r\nSubject: \(i)\r\n\r\nbody \(i)\r\n")
            let o = ms.process(message: m, changed: true, time: 1)
            let ok = (try? TestVerifier.verifyMessage(o.signatures + m, index: 0, key: key)) ?? false
            results.add(ok)
        }
        #expect(results.all == Array(repeating: true, count: 16))
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Bool] = []
    func add(_ v: Bool) { lock.lock(); values.append(v); lock.unlock() }
    var all: [Bool] { lock.lock(); defer { lock.unlock() }; return values }
}

@Suite struct RobustnessTests {
    /// Random headers (with broken DKIM-Signature fields among them) never crash the signer.
    @Test func randomMessagesNeverCrash() throws {
        let key = try SigningKey(path: Vectors.path("rfc8463-ed25519.pem"), algorithm: .ed25519SHA256)
        let ms = MessageSigner(entries: [SigningEntry(signer: Signer(domain: "football.example.com", selector: "b", key: key), matchSubdomains: true)])
        let pieces = ["DKIM-Signature:", " v=1;", " a=rsa-sha256;", " a=rsa-sha1;", " c=relaxed/simple;", " c=bogus;", " bh=", "AAAA",
                      "=;", " l=5;", " l=-1;", " b=", ";;", "==", "From:", " <x@football.example.com>", " \"@\" <", "\r\n", "\n", "\r",
                      " ", "\t", ":", "@", "<>", "\r\n\r\n", "body", "\u{FF}"].map { Array($0.utf8) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var m: [UInt8] = []
            for _ in 0..<Int.random(in: 0...30, using: &rng) { m += pieces.randomElement(using: &rng)! }
            for changed in [false, true] {
                let o = ms.process(message: m, changed: changed, time: 1)
                #expect(o.headerBlock.count <= m.count)
                if o.bodyStart == nil { #expect(o.headerBlock == m) }
            }
        }
    }
}

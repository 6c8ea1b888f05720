// RFC 8463 Appendix A golden test: its message, keys and published signatures, byte for byte.
// Both rsa-sha256 (PKCS#1 v1.5) and Ed25519 are deterministic, so signing the RFC's own header
// hash input with the RFC's keys must give exactly the published b= values.
import Foundation
import Testing
import PixelCrypto
import PixelDKIM

@Suite struct RFC8463Tests {
    let message = Vectors.bytes("rfc8463-message.eml")

    func parts() -> (block: [UInt8], fields: [HeaderField], body: [UInt8]) {
        var sc = HeaderBlockScanner()
        let off = message.withUnsafeBytes { sc.feed($0) }!
        return (sc.bytes, HeaderFields.split(sc.bytes), Array(message[off...]))
    }

    @Test func bodyHashIsTheRFCs() {
        let h = BodyHasher(.relaxed)
        h.update(parts().body)
        #expect(Data(h.finish()).base64EncodedString() == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
    }

    @Test(arguments: [(0, "rfc8463-ed25519.pem", DKIMAlgorithm.ed25519SHA256), (1, "rfc8463-rsa.pem", DKIMAlgorithm.rsaSHA256)])
    func signatureIsTheRFCs(index: Int, keyFile: String, algorithm: DKIMAlgorithm) throws {
        let (block, fields, _) = parts()
        let sigField = fields.filter { $0.isNamed("dkim-signature") }[index]
        let tags = try TagList.parse(HeaderFields.value(block, sigField))
        #expect(tags.value("a") == algorithm.rawValue)
        let names = tags.value("h")!.split(separator: ":").map(String.init)
        let input = SignatureInput.build(block: block, fields: fields, names: names,
                                         signatureField: Array(block[sigField.range]), canonicalization: .relaxed)
        // The RFC's 1024-bit RSA key is below no minimum; load it as published.
        let key = try SigningKey(path: Vectors.path(keyFile), algorithm: algorithm)
        let tbs = algorithm == .ed25519SHA256 ? Digest.sha256(input) : input
        let sig = try key.rawSign(tbs)
        #expect(Data(sig).base64EncodedString() == tags.value("b"))
        #expect(try TestVerifier.verifyMessage(message, index: index, key: key))
    }

    @Test func ed25519DNSRecordIsTheRFCs() throws {
        let key = try SigningKey(path: Vectors.path("rfc8463-ed25519.pem"), algorithm: .ed25519SHA256)
        #expect(try key.dnsRecord() == "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    }

    @Test func rsaDNSRecordIsTheSPKI() throws {
        let key = try SigningKey(path: Vectors.path("rfc8463-rsa.pem"), algorithm: .rsaSHA256)
        #expect(key.bits == 1024)
        #expect(try key.dnsRecord().hasPrefix("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3"))
    }
}

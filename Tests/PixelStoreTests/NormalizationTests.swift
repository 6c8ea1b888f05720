// NormalizationTests: AddressNormalizer, Punycode (RFC 3492 vectors) and TimeFormat.
import Foundation
import Testing
@testable import PixelStore

@Suite struct NormalizationTests {
    @Test(arguments: [
        ("bücher", "bcher-kva"),
        ("münchen", "mnchen-3ya"),
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        ("PorquénopuedensimplementehablarenEspañol", "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
    ])
    func punycodeMatchesRFC3492(_ pair: (String, String)) {
        #expect(Punycode.encode(pair.0) == pair.1)
    }

    @Test func normalisesCaseBracketsAndIDNA() throws {
        let n = AddressNormalizer()
        #expect(try n.normalize("Jane.Doe@EXAMPLE.org") == "jane.doe@example.org")
        #expect(try n.normalize("  <Jane.Doe@Example.Org.>  ") == "jane.doe@example.org")
        #expect(try n.normalize("info@Bücher.DE") == "info@xn--bcher-kva.de")
        #expect(try n.normalize("info@bu\u{308}cher.de") == "info@xn--bcher-kva.de", "NFD input is composed first")
        #expect(try n.normalize("x@例え。テスト") == "x@xn--r8jz45g.xn--zckzah")
        #expect(try n.normalize("ÉLODIE@example.fr") == "élodie@example.fr")
        #expect(try n.normalize("a@ＥＸＡＭＰＬＥ.org") == "a@example.org", "full-width letters map (NFKC)")
        #expect(try n.normalize("\"John Doe\"@example.org") == "\"john doe\"@example.org")
        #expect(try n.normalize("a@[192.0.2.1]") == "a@[192.0.2.1]")
        #expect(try AddressNormalizer(caseInsensitiveLocalPart: false).normalize("Jane.Doe@EXAMPLE.org") == "Jane.Doe@example.org")
    }

    @Test(arguments: [
        ("", "empty address"),
        ("janedoe.example.org", "no \"@\""),
        ("@example.org", "empty local part"),
        ("jane@", "empty domain"),
        ("jane@exa\u{0}mple.org", "control character"),
        ("ja\rne@example.org", "control character"),
        ("jane doe@example.org", "white space"),
        ("jane@example..org", "empty domain label"),
        ("jane@exa mple.org", "not allowed in a domain"),
        ("jane@exa;mple.org", "not allowed in a domain"),
        (String(repeating: "a", count: 65) + "@example.org", "local part is 65 octets"),
        ("a@" + String(repeating: "b", count: 64) + ".org", "over 63 octets"),
        ("a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".") + ".org", "octets (max 254)"),
    ])
    func refusesMalformedAddresses(_ c: (String, String)) {
        do {
            let v = try AddressNormalizer().normalize(c.0)
            Issue.record("accepted \(v)")
        } catch {
            guard case .invalidAddress(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains(c.1), "\(reason)")
        }
    }

    @Test func asciiFastPathAgreesWithTheGeneralPath() {
        // Random printable-ASCII strings biased towards address shapes: whenever the fast path
        // answers, the general path gives the same address.
        let alphabet = Array("aAzZ09.-_@<>[]\"+'();=!#".utf8) + Array("abcdefghijXYZ".utf8)
        var x: UInt64 = 0x1234_5678_9ABC_DEF1
        var answered = 0
        for n in [AddressNormalizer(), AddressNormalizer(caseInsensitiveLocalPart: false)] {
            for _ in 0..<20_000 {
                var bytes: [UInt8] = []
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                let len = Int(x % 24) + 1
                for _ in 0..<len {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    bytes.append(alphabet[Int(x % UInt64(alphabet.count))])
                }
                let s = String(decoding: bytes, as: UTF8.self)
                if let fast = n.asciiFastPath(s) {
                    answered += 1
                    #expect((try? n.generalPath(s)) == fast, "\(s)")
                }
            }
            #expect(n.asciiFastPath("Jane.Doe@EXAMPLE.org.") == (n.caseInsensitiveLocalPart ? "jane.doe@example.org" : "Jane.Doe@example.org"))
        }
        #expect(answered > 1000)
    }

    @Test func timeFormatRoundTripsAndRefusesNonsense() {
        #expect(TimeFormat.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(TimeFormat.format(millis: 1_780_000_000_123) == "2026-05-28T20:26:40.123Z")
        #expect(TimeFormat.parseMillis("2026-05-28T20:26:40.123Z") == 1_780_000_000_123)
        #expect(TimeFormat.parseMillis("2026-05-28 22:26:40.1234+02:00") == 1_780_000_000_123)
        #expect(TimeFormat.parseMillis("2026-05-28T20:26Z") == 1_779_999_960_000)
        #expect(TimeFormat.parseMillis("2026-05-28") == 1_779_926_400_000)
        for bad in ["", "2026-02-30", "2026-13-01", "26-01-01", "2026-01-01T25:00Z", "2026-01-01T10:00", "yesterday", "2026-01-01Tx"] {
            #expect(TimeFormat.parseMillis(bad) == nil, "\(bad)")
        }
    }

    @Test func passwordsAreMasked() {
        #expect(SecretMasking.maskPasswords("host=db user=pg password=s3cr3t dbname=x") == "host=db user=pg password=*** dbname=x")
        #expect(SecretMasking.maskPasswords("host=db PASSWORD = 'a b\\'c' sslmode=require") == "host=db PASSWORD =*** sslmode=require")
        #expect(SecretMasking.maskPasswords("postgresql://pix:s3cr3t@db1:5432/pixelgate?sslmode=verify-full") == "postgresql://pix:***@db1:5432/pixelgate?sslmode=verify-full")
        #expect(SecretMasking.maskPasswords("postgresql://db1/pg?user=pix&password=s3cr3t&sslmode=require") == "postgresql://db1/pg?user=pix&password=***&sslmode=require")
        #expect(SecretMasking.maskPasswords("https://consent.example/api/lookup") == "https://consent.example/api/lookup")
    }

    @Test func chainHashIsTheDocumentedEncoding() {
        // Fixed vector: changing the canonical encoding breaks every stored chain, so it must not change silently.
        let h = EventChain.hash(id: 1, subject: "a@b.org", purpose: "open_measurement", action: "grant", atMillis: 1000,
                                source: "cli", evidence: "{}", prevHash: EventChain.genesisHash)
        var enc = "pixelgate-consent-v1\n"
        for f in ["1", "a@b.org", "open_measurement", "grant", "1000", "cli", "{}", EventChain.genesisHash] { enc += "\(f.utf8.count):\(f)\n" }
        #expect(h.count == 64)
        #expect(h == PixelCryptoHex.sha256(enc))
        let other = EventChain.hash(id: 1, subject: "a@b.org", purpose: "open_measurement", action: "grant", atMillis: 1000,
                                    source: "cli", evidence: "{} ", prevHash: EventChain.genesisHash)
        #expect(h != other)
    }
}

import PixelCrypto
enum PixelCryptoHex {
    static func sha256(_ s: String) -> String { Digest.sha256Hex(s) }
}

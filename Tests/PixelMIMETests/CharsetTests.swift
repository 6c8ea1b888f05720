// Charset tests: label resolution and aliases, ASCII compatibility, encoding inserted text with
// numeric character references or the text/plain ASCII fallback, decoding for diagnostics.
import Testing
@testable import PixelMIME

@Suite struct CharsetTests {
    @Test func aliases() {
        #expect(Charset(name: "UTF8") == .utf8)
        #expect(Charset(name: " utf-8 ") == .utf8)
        #expect(Charset(name: "latin1") == .iso8859_1)
        #expect(Charset(name: "ISO_8859-1") == .iso8859_1)
        #expect(Charset(name: "Latin-9") == .iso8859_15)
        #expect(Charset(name: "cp1252") == .windows1252)
        #expect(Charset(name: "ascii") == .usASCII)
        #expect(Charset(name: "koi8-r") == .otherASCIICompatible("koi8-r"))
        #expect(Charset(name: "UTF-16LE") == .notASCIICompatible("utf-16le"))
    }

    @Test func asciiCompatibility() {
        for name in ["utf-8", "iso-8859-2", "windows-1251", "koi8-r", "shift_jis", "euc-kr", "gb2312", "big5", "x-unknown"] {
            #expect(Charset.isASCIICompatible(name), "\(name)")
        }
        for name in ["UTF-16", "utf-16be", "UTF-32", "utf-7", "ISO-2022-JP", "iso-2022-kr", "hz-gb-2312", "ucs-2", "cp037", "IBM1047", "ebcdic-cp-us"] {
            #expect(!Charset.isASCIICompatible(name), "\(name)")
        }
    }

    @Test func encodeWithNumericCharacterReferences() {
        let text = "Café – 10 € 😀"
        #expect(Charset.encode(text: text, charset: "utf-8") == Array(text.utf8))
        #expect(Charset.encode(text: text, charset: "us-ascii") == Array("Caf&#233; &#8211; 10 &#8364; &#128512;".utf8))
        #expect(Charset.encode(text: text, charset: "iso-8859-1") == Array("Caf".utf8) + [0xE9] + Array(" &#8211; 10 &#8364; &#128512;".utf8))
        #expect(Charset.encode(text: text, charset: "iso-8859-15") == Array("Caf".utf8) + [0xE9] + Array(" &#8211; 10 ".utf8) + [0xA4] + Array(" &#128512;".utf8))
        #expect(Charset.encode(text: text, charset: "windows-1252") == Array("Caf".utf8) + [0xE9, 0x20, 0x96] + Array(" 10 ".utf8) + [0x80] + Array(" &#128512;".utf8))
        // Unknown ASCII-compatible charset: ASCII only.
        #expect(Charset.encode(text: "é", charset: "koi8-r") == Array("&#233;".utf8))
        // ISO-8859-15 no longer holds ¤ (its 0xA4 is €).
        #expect(Charset.encode(text: "¤", charset: "latin9") == Array("&#164;".utf8))
    }

    @Test func encodePlainTextFallback() {
        let text = "Œuvre « très » – naïve… 5 € ß 😀"
        #expect(Charset.encodePlainText(text: text, charset: "us-ascii") == Array("OEuvre << tres >> - naive... 5 EUR ss ?".utf8))
        #expect(Charset.encodePlainText(text: text, charset: "iso-8859-1")
                == Array("OEuvre ".utf8) + [0xAB] + Array(" tr".utf8) + [0xE8] + Array("s ".utf8) + [0xBB]
                   + Array(" - na".utf8) + [0xEF] + Array("ve... 5 EUR ".utf8) + [0xDF] + Array(" ?".utf8))
        #expect(Charset.encodePlainText(text: text, charset: "utf-8") == Array(text.utf8))
    }

    @Test func decodeToString() {
        #expect(Charset.decodeToString([0x43, 0x61, 0x66, 0xE9], charset: "latin1") == "Café")
        #expect(Charset.decodeToString([0x80, 0x93, 0x94], charset: "cp1252") == "€“”")
        #expect(Charset.decodeToString([0xA4, 0xBD], charset: "iso-8859-15") == "€œ")
        #expect(Charset.decodeToString([0x41, 0xE9], charset: "us-ascii") == "A\u{FFFD}")
        #expect(Charset.decodeToString([0xC3, 0xA9], charset: "utf-8") == "é")
    }

    @Test func singleByteCharsetsRoundTrip() {
        for name in ["iso-8859-1", "iso-8859-15", "windows-1252"] {
            let bytes = (0...255).map { UInt8($0) }.filter { b in name != "windows-1252" || ![0x81, 0x8D, 0x8F, 0x90, 0x9D].contains(b) }
            let text = Charset.decodeToString(bytes, charset: name)
            #expect(Charset.encode(text: text, charset: name) == bytes, "\(name)")
        }
    }

    @Test func encodedWords() {
        #expect(EncodedWords.decode("=?UTF-8?B?Q2Fmw6k=?= ouvert") == "Café ouvert")
        #expect(EncodedWords.decode("=?iso-8859-1?Q?Caf=E9_au_lait?=") == "Café au lait")
        #expect(EncodedWords.decode("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab")
        #expect(EncodedWords.decode("plain =?bogus") == "plain =?bogus")
    }
}

// TestSupport: helpers shared by the PixelMIME tests: build messages from text with CRLF or LF,
// parse byte arrays, decode a part's body, load the development corpus, and a seeded PRNG.
import Foundation
@testable import PixelMIME

enum T {
    /// Joins lines with CRLF (or LF) and ends with a terminator.
    static func message(_ lines: [String], eol: String = "\r\n") -> [UInt8] {
        Array((lines.joined(separator: eol) + eol).utf8)
    }

    static func parse(_ bytes: [UInt8], limits: MIMELimits = .default) throws -> MIMEMessage {
        try MIMEParser.parse(bytes, limits: limits)
    }

    static func body(_ part: MIMEPart, _ bytes: [UInt8]) -> [UInt8] { Array(bytes[part.bodyRange]) }
    static func bodyString(_ part: MIMEPart, _ bytes: [UInt8]) -> String { String(decoding: bytes[part.bodyRange], as: UTF8.self) }

    static func decoded(_ part: MIMEPart, _ bytes: [UInt8]) -> DecodeResult {
        bytes.withUnsafeBytes { TransferCodec.decodeBody(of: part, in: $0) }
    }

    static let corpusDirectory = "/work/shared/corpus"

    /// The corpus .eml files (name, bytes), sorted by name. Empty when the corpus is absent.
    static func corpus() -> [(String, [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap { name in
            FileManager.default.contents(atPath: corpusDirectory + "/" + name).map { (name, [UInt8]($0)) }
        }
    }
}

/// SplitMix64: a small seeded generator so random tests are reproducible.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

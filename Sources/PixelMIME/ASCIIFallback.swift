// ASCIIFallback: the text/plain replacement for a character a charset cannot hold: an explicit
// spelling (CharsetTables.asciiSpellings), else the character's canonical decomposition with
// combining marks dropped when that leaves ASCII, else "?". Always returns ASCII.
import Foundation

enum ASCIIFallback {
    static func approximate(_ scalar: Unicode.Scalar) -> String {
        if scalar.value < 0x80 { return String(scalar) }
        if let s = CharsetTables.asciiSpellings[scalar.value] { return s }
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        let base = decomposed.filter { $0.value < 0x80 }
        let rest = decomposed.filter { $0.value >= 0x80 && !(0x0300...0x036F).contains($0.value) }
        if !base.isEmpty && rest.isEmpty { return String(String.UnicodeScalarView(base)) }
        return "?"
    }
}

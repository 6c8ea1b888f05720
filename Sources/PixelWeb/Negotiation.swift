// Negotiation: small request readers shared by the pages: Accept-Language (fr | en by q-value),
// application/x-www-form-urlencoded bodies, and bearer credentials. Guarantees: pure functions;
// malformed input yields the documented fallback (default language, no field, no token).
import Foundation
import PixelPolicy

enum Negotiation {
    /// The best of fr/en by q-value, ties to the first listed; `fallback` when neither appears.
    static func language(_ header: String?, fallback: FooterLanguage) -> FooterLanguage {
        guard let header else { return fallback }
        var best: (FooterLanguage, Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = parts.first else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard q > 0, let lang = FooterLanguage(rawValue: primary) else { continue }
            if best == nil || q > best!.1 { best = (lang, q) }
        }
        return best?.0 ?? fallback
    }

    /// Decodes a form body; repeated names keep the last value.
    static func form(_ body: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func dec(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            out[dec(kv[0])] = kv.count > 1 ? dec(kv[1]) : ""
        }
        return out
    }

    static func bearer(_ header: String?) -> String? {
        guard let h = header else { return nil }
        let parts = h.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let t = parts[1].trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }
}

// DKIMConfig: the `[[dkim]]` signing entries and the `[dkim_options]` section.
// Contract: each entry needs `domain`, `selector`, `key` (a PEM path, or `credential:NAME` =
// $CREDENTIALS_DIRECTORY/NAME, systemd LoadCredential=) and `algorithm` (rsa-sha256 |
// ed25519-sha256); `expire` (x= = t= + expire, a duration) and `match_subdomains` (default
// false: an entry for example.com then signs only mail From example.com) are optional. Unknown
// keys are errors naming `dkim[i].key`. Key files are opened only by DKIMWiring (check-config and
// serve), so a bad key is reported with its file name there.
// [dkim_options]: `dkim_broken` = remove (default) | keep, `headers` (the signed header list;
// default RFC 6376 §5.4.1 + MIME fields), `min_rsa_bits` (default 1024, RFC 8301).
import Foundation
import PixelDKIM

/// One `[[dkim]]` entry, as written.
struct DKIMEntryConfig {
    var domain: String
    var selector: String
    var key: String
    var algorithm: DKIMAlgorithm
    var expire: Int?
    var matchSubdomains: Bool

    /// The key file: `credential:NAME` resolves in $CREDENTIALS_DIRECTORY.
    func keyPath(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        guard key.hasPrefix("credential:") else { return key }
        let name = String(key.dropFirst("credential:".count))
        guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else {
            throw ConfigError("DKIM key \(key): $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=)")
        }
        return dir + "/" + name
    }
}

struct DKIMConfig {
    var entries: [DKIMEntryConfig] = []
    var broken: BrokenSignaturePolicy = .remove
    var headers: [String] = Signer.recommendedHeaders
    var minRSABits = SigningKey.minimumRSABits

    init() {}

    init(reader: ConfigReader) throws(ConfigError) {
        let o = try reader.section("dkim_options")
        broken = BrokenSignaturePolicy(rawValue: try o.choice("dkim_broken", BrokenSignaturePolicy.allCases.map(\.rawValue), default: broken.rawValue))!
        headers = try o.strings("headers", default: headers).map { $0.lowercased() }
        if headers.isEmpty || headers.contains(where: { !Self.isFieldName($0) }) {
            throw ConfigError("\(reader.path): dkim_options.headers must be a non-empty list of header field names")
        }
        minRSABits = try o.int("min_rsa_bits", default: minRSABits, range: 1024...16384)
        for s in try reader.tableArray("dkim") {
            entries.append(try Self.entry(s, path: reader.path))
        }
    }

    private static func entry(_ s: SectionReader, path: String) throws(ConfigError) -> DKIMEntryConfig {
        func required(_ key: String) throws(ConfigError) -> String {
            guard let v = try s.optionalString(key), !v.isEmpty else { throw ConfigError("\(path): \(s.name).\(key) is required") }
            return v
        }
        let domain = try required("domain").lowercased()
        let selector = try required("selector")
        let key = try required("key")
        let algName = try required("algorithm")
        guard let algorithm = DKIMAlgorithm(rawValue: algName) else {
            throw ConfigError("\(path): \(s.name).algorithm must be one of rsa-sha256|ed25519-sha256, not \"\(algName)\"")
        }
        guard domain.split(separator: ".").count >= 1, domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }),
              !domain.hasPrefix("."), !domain.hasSuffix("."), domain.isASCII else {
            throw ConfigError("\(path): \(s.name).domain \"\(domain)\" is not a domain name (use the xn-- form)")
        }
        guard selector.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") && $0.isASCII }) else {
            throw ConfigError("\(path): \(s.name).selector \"\(selector)\" may contain only letters, digits, '.', '-', '_'")
        }
        var expire: Int? = nil
        if s.rawValue("expire") != nil {
            let secs = try s.duration("expire", default: 0)
            guard secs >= 1 else { throw ConfigError("\(path): \(s.name).expire must be at least 1s") }
            expire = Int(secs)
        }
        let match = try s.bool("match_subdomains", default: false)
        return DKIMEntryConfig(domain: domain, selector: selector, key: key, algorithm: algorithm, expire: expire, matchSubdomains: match)
    }

    static func isFieldName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
    }

    func effectiveSettings() -> [(String, String)] {
        var out: [(String, String)] = [("dkim_options.dkim_broken", broken.rawValue),
                                       ("dkim_options.headers", headers.joined(separator: ",")),
                                       ("dkim_options.min_rsa_bits", String(minRSABits))]
        for (i, e) in entries.enumerated() {
            out.append(("dkim[\(i)]", "domain=\(e.domain) selector=\(e.selector) algorithm=\(e.algorithm.rawValue) key=\(e.key)"
                        + " match_subdomains=\(e.matchSubdomains)" + (e.expire.map { " expire=\($0)s" } ?? "")))
        }
        return out
    }
}

private extension String {
    var isASCII: Bool { utf8.allSatisfy { $0 < 128 } }
}

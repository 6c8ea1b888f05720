// SecretMasking: hides passwords in store URLs before they are printed (check-config, logs, errors).
import Foundation
// Contract: masks `password=...` in a libpq conninfo (quoted or not, any case), the password of
// `scheme://user:password@host` URIs, and a `password=` query parameter; everything else is kept
// as it is, so the operator can still recognise the target.
public enum SecretMasking {
    public static func maskPasswords(_ url: String) -> String {
        var out = url
        if let r = out.range(of: #"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)"#, options: .regularExpression) {
            let key = out[r].prefix { $0 != "=" }
            out.replaceSubrange(r, with: key + "=***")
        }
        if let r = out.range(of: #"://[^/@:]*:[^/@]*@"#, options: .regularExpression) {
            let userPart = out[r].dropFirst(3).prefix { $0 != ":" }
            out.replaceSubrange(r, with: "://" + userPart + ":***@")
        }
        return out
    }
}

// Credentials: the inbound AUTH user list (`user:crypt-hash` lines) and the upstream login
// (`user:password`, one line). Contract: parsing names the file and line of any bad entry; the
// inbound check uses PixelCrypto.PasswordHash (crypt(3)), never a plain comparison.
import Foundation
import PixelCrypto

public enum CredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(String)
    case malformed(file: String, line: Int)
    case empty(String)

    public var description: String {
        switch self {
        case .unreadable(let f): return "\(f): cannot read credentials file"
        case .malformed(let f, let l): return "\(f):\(l): expected user:secret"
        case .empty(let f): return "\(f): no credentials"
        }
    }
}

/// Users allowed to AUTH inbound, each with a crypt(3) hash.
public struct InboundCredentials: Sendable {
    private let hashes: [String: String]

    public init(entries: [String: String]) { hashes = entries }

    /// Parses `user:hash` lines; blank lines and `#` comments are skipped.
    public static func parse(_ text: String, file: String) throws(CredentialsError) -> InboundCredentials {
        var out: [String: String] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { throw .malformed(file: file, line: i + 1) }
            let user = String(line[..<colon]), hash = String(line[line.index(after: colon)...])
            guard !user.isEmpty, hash.hasPrefix("$") else { throw .malformed(file: file, line: i + 1) }
            out[user] = hash
        }
        return InboundCredentials(entries: out)
    }

    public static func load(path: String) throws(CredentialsError) -> InboundCredentials {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        return try parse(text, file: path)
    }

    public var count: Int { hashes.count }

    public func verify(user: String, password: String) -> Bool {
        guard let h = hashes[user] else {
            // Same work for unknown users, so timing does not reveal who exists.
            _ = PasswordHash.verify(password: password, hash: "$6$pixelgate$invalidinvalidinvalid")
            return false
        }
        return PasswordHash.verify(password: password, hash: h)
    }
}

/// The upstream AUTH login.
public struct UpstreamCredentials: Sendable, Equatable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// The first non-comment line `user:password` (the password may contain ':').
    public static func parse(_ text: String, file: String) throws(CredentialsError) -> UpstreamCredentials {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { throw .malformed(file: file, line: i + 1) }
            return UpstreamCredentials(user: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
        }
        throw .empty(file)
    }

    public static func load(path: String) throws(CredentialsError) -> UpstreamCredentials {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        return try parse(text, file: path)
    }
}

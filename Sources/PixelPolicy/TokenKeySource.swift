// TokenKeySource: where the token keys come from (config `[tokens]`).
// Order: an inline `key` (hex or base64 of 32 bytes, id `key_id`), else `key_file`, else
// `<state_dir>/token.key`, generated on first use with mode 0600. A key file holds one key per line,
// `ID:KEY` or just `KEY` (taking `key_id`); `#` starts a comment. The line whose id is `key_id` is the
// current key and the others open older tokens (rotation: append a new line, bump `key_id`).
// Guarantees: a malformed key is an error naming the file and line; a generated file is written
// atomically and never overwrites an existing one.
import Foundation
import PixelCrypto

public enum TokenKeySource {
    public static let defaultFileName = "token.key"

    public static func keyring(inlineKey: String?, keyFile: String?, keyID: UInt8, stateDir: String,
                               nonceSource: (@Sendable () -> [UInt8])? = nil) throws(PolicyError) -> TokenKeyring {
        if let inlineKey, !inlineKey.isEmpty {
            guard let bytes = decodeKey(inlineKey) else { throw .badKey("tokens.key must be 32 bytes in hex or base64") }
            return try TokenKeyring(current: TokenKey(id: keyID, bytes: bytes), nonceSource: nonceSource)
        }
        let path: String
        if let keyFile, !keyFile.isEmpty {
            path = keyFile
        } else {
            path = (stateDir as NSString).appendingPathComponent(defaultFileName)
            if !FileManager.default.fileExists(atPath: path) { try generate(at: path, keyID: keyID) }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .keyFile("\(path): cannot read") }
        let keys = try parse(text, defaultID: keyID, path: path)
        guard let current = keys.first(where: { $0.id == keyID }) else { throw .keyFile("\(path): no key with id \(keyID)") }
        return try TokenKeyring(current: current, older: keys.filter { $0.id != keyID }, nonceSource: nonceSource)
    }

    /// Parses key-file text.
    public static func parse(_ text: String, defaultID: UInt8, path: String) throws(PolicyError) -> [TokenKey] {
        var out: [TokenKey] = []
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if line.isEmpty { continue }
            var id = defaultID
            var keyText = line
            if let colon = line.firstIndex(of: ":") {
                guard let i = UInt8(line[..<colon].trimmingCharacters(in: .whitespaces)) else { throw .keyFile("\(path):\(n + 1): bad key id") }
                id = i
                keyText = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            guard let bytes = decodeKey(keyText) else { throw .keyFile("\(path):\(n + 1): key must be 32 bytes in hex or base64") }
            guard !out.contains(where: { $0.id == id }) else { throw .keyFile("\(path):\(n + 1): duplicate key id \(id)") }
            out.append(try TokenKey(id: id, bytes: bytes))
        }
        return out
    }

    /// 64 hex digits, or base64 / base64url of 32 bytes.
    public static func decodeKey(_ s: String) -> [UInt8]? {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.utf8.count == 64, let bytes = hexBytes(t) { return bytes }
        if let d = Data(base64Encoded: t), d.count == 32 { return Array(d) }
        if let b = Base64URL.decode(t), b.count == 32 { return b }
        return nil
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return hi == nil ? out : nil
    }

    static func generate(at path: String, keyID: UInt8) throws(PolicyError) {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw .keyFile("\(dir): cannot create: \(error.localizedDescription)") }
        let text = "# pixelgate token keys: ID:HEX, one per line; [tokens] key_id selects the current one\n\(keyID):\(Digest.hex(SecureRandom.bytes(32)))\n"
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .keyFile("\(tmp): cannot create: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count else { unlink(tmp); throw .keyFile("\(tmp): short write") }
        // link() fails when another process created the file first: keep theirs.
        if link(tmp, path) != 0 && errno != EEXIST {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw .keyFile("\(path): cannot install: \(e)")
        }
        unlink(tmp)
    }
}

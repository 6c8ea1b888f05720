// RcptTo: the RCPT TO command's forward path and DSN parameters (RFC 3461 NOTIFY, ORCPT).
// Guarantees: NOTIFY is NEVER alone or a non-empty set of SUCCESS/FAILURE/DELAY without repeats
// (upper-cased); ORCPT is `addr-type;xtext` of at most 500 characters, kept raw; anything else is
// 555 5.5.4, malformed values 501 5.5.4. `parameterString(for:)` emits DSN parameters only to a peer
// that advertised DSN.

public struct RcptTo: Sendable, Equatable {
    /// Recipient address as sent (`postmaster` may come without a domain).
    public var address: String
    /// NOTIFY values, upper-cased, in the order given.
    public var notify: [String]?
    /// ORCPT value, raw (`rfc822;user+40example.com`).
    public var orcpt: String?

    /// RFC 3461 4.2: ORCPT is at most 500 characters.
    public static let maxOrcptLength = 500
    static let notifyValues: Set<String> = ["NEVER", "SUCCESS", "FAILURE", "DELAY"]

    public init(address: String, notify: [String]? = nil, orcpt: String? = nil) {
        self.address = address
        self.notify = notify
        self.orcpt = orcpt
    }

    /// True when the address has non-ASCII octets, which needs SMTPUTF8 on the transaction.
    public var requiresSMTPUTF8: Bool { address.utf8.contains { $0 >= 0x80 } }

    /// Parameters for the upstream RCPT command, space separated, "" when none.
    public func parameterString(for peer: PeerCapabilities) -> String {
        guard peer.dsn else { return "" }
        var p: [String] = []
        if let notify { p.append("NOTIFY=" + notify.joined(separator: ",")) }
        if let orcpt { p.append("ORCPT=" + orcpt) }
        return p.joined(separator: " ")
    }

    /// The whole upstream command line without CRLF: `RCPT TO:<addr> PARAMS`.
    public func commandLine(for peer: PeerCapabilities) -> String {
        let params = parameterString(for: peer)
        return "RCPT TO:<\(address)>" + (params.isEmpty ? "" : " " + params)
    }

    init(address: String, parameters: [ESMTPParameter]) throws(SMTPError) {
        self.init(address: address)
        for p in parameters {
            switch p.keyword {
            case "NOTIFY":
                let items = try p.requiredValue().uppercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard !items.isEmpty, items.allSatisfy({ Self.notifyValues.contains($0) }),
                      Set(items).count == items.count,
                      !items.contains("NEVER") || items.count == 1 else {
                    throw .syntax("Error: bad NOTIFY value")
                }
                notify = items
            case "ORCPT":
                let v = try p.requiredValue()
                guard v.utf8.count <= Self.maxOrcptLength, let semi = v.firstIndex(of: ";") else {
                    throw .syntax("Error: bad ORCPT value")
                }
                let type = v[v.startIndex..<semi]
                let addr = v[v.index(after: semi)...]
                guard !type.isEmpty, type.utf8.allSatisfy({ MailPath.isAlnum($0) || $0 == UInt8(ascii: "-") }),
                      !addr.isEmpty else {
                    throw .syntax("Error: bad ORCPT value")
                }
                // rfc822 addresses are xtext (RFC 3461); utf-8 ones (RFC 6533) use \x{..}, so only
                // the xtext form is checked strictly.
                if type.lowercased() == "rfc822" && !XText.isValid(addr) { throw .syntax("Error: bad ORCPT value") }
                orcpt = v
            default:
                throw SMTPError(.unknownParameter(p.keyword))
            }
        }
    }
}

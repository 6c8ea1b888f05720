// PeerCapabilities: what an upstream server announced in its EHLO (or LHLO) reply (RFC 5321 4.1.1.1).
// Guarantees: parsing never fails; keywords are matched case-insensitively; an unknown keyword is
// kept in `keywords` and otherwise ignored; a malformed SIZE value counts as "SIZE advertised without
// a limit" (size == 0). A default value (`init()`) is a peer with no extensions (HELO).

public struct PeerCapabilities: Sendable, Equatable {
    /// The domain on the first line of the reply.
    public var greetingDomain: String = ""
    public var pipelining = false
    public var starttls = false
    /// nil: SIZE not advertised; 0: advertised without a limit; n: the limit in octets.
    public var size: Int?
    public var eightBitMIME = false
    public var smtputf8 = false
    public var dsn = false
    public var enhancedStatusCodes = false
    public var chunking = false
    public var binaryMIME = false
    /// AUTH mechanisms, upper-cased, in the order given.
    public var auth: [String] = []
    /// XFORWARD attribute names, upper-cased.
    public var xforward: [String] = []
    /// Every keyword (upper-cased) with its parameters, including unknown ones.
    public var keywords: [String: [String]] = [:]

    public init() {}

    /// Parses the lines of a positive EHLO/LHLO reply. A non-2xx reply gives a peer with no extensions.
    public init(ehlo reply: SMTPReply) {
        guard reply.code >= 200 && reply.code < 300, let first = reply.lines.first else { return }
        greetingDomain = String(first.split(separator: " ", maxSplits: 1).first ?? "")
        for line in reply.lines.dropFirst() {
            // "AUTH=PLAIN LOGIN" is the pre-standard form some servers still send.
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard var keyword = words.first.map({ $0.uppercased() }) else { continue }
            var params = words.dropFirst().map(String.init)
            if keyword.hasPrefix("AUTH=") {
                params.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            let upperParams = params.map { $0.uppercased() }
            keywords[keyword, default: []].append(contentsOf: params)
            switch keyword {
            case "PIPELINING": pipelining = true
            case "STARTTLS": starttls = true
            case "SIZE": size = params.first.flatMap { Int($0) }.map { max(0, $0) } ?? 0
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtputf8 = true
            case "DSN": dsn = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            case "CHUNKING": chunking = true
            case "BINARYMIME": binaryMIME = true
            case "AUTH":
                for m in upperParams where !m.isEmpty && !auth.contains(m) { auth.append(m) }
            case "XFORWARD":
                for a in upperParams where !xforward.contains(a) { xforward.append(a) }
            default: break
            }
        }
    }

    /// Same as `init(ehlo:)`.
    public static func parse(_ reply: SMTPReply) -> PeerCapabilities { PeerCapabilities(ehlo: reply) }

    /// Whether a message of `octets` fits the advertised SIZE (always true when none or 0).
    public func accepts(size octets: Int) -> Bool {
        guard let limit = size, limit > 0 else { return true }
        return octets <= limit
    }
}

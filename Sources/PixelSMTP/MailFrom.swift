// MailFrom: the MAIL FROM command's reverse path and parameters, parsed and re-emitted for upstream.
// Parameters understood: SIZE (RFC 1870), BODY (RFC 6152 / RFC 3030), SMTPUTF8 (RFC 6531),
// RET and ENVID (RFC 3461), AUTH (RFC 4954). Anything else is 555 5.5.4; a duplicate or malformed one
// is 501 5.5.4.
// Guarantees: `parameterString(for:)` only emits what the upstream peer advertised (SIZE if SIZE,
// BODY if 8BITMIME (BINARYMIME also needs BINARYMIME), SMTPUTF8 if SMTPUTF8, RET/ENVID if DSN).
// AUTH= is never re-emitted: pixelgate does not vouch for the submitter's identity upstream.

/// BODY= value.
public enum BodyType: String, Sendable, Equatable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}

public struct MailFrom: Sendable, Equatable {
    /// Sender address as sent, "" for the null sender `<>`.
    public var address: String
    /// Declared size in octets; a value too large for Int is Int.max.
    public var size: Int?
    public var body: BodyType?
    public var smtputf8: Bool
    /// "FULL" or "HDRS".
    public var ret: String?
    /// ENVID, xtext kept raw (already validated).
    public var envid: String?
    /// AUTH= value, xtext kept raw (already validated), "<>" allowed.
    public var auth: String?

    /// RFC 3461: ENVID is at most 100 characters.
    public static let maxEnvidLength = 100

    public init(address: String, size: Int? = nil, body: BodyType? = nil, smtputf8: Bool = false,
                ret: String? = nil, envid: String? = nil, auth: String? = nil) {
        self.address = address
        self.size = size
        self.body = body
        self.smtputf8 = smtputf8
        self.ret = ret
        self.envid = envid
        self.auth = auth
    }

    public var isNullSender: Bool { address.isEmpty }

    /// True when the address has non-ASCII octets, which needs SMTPUTF8 on both sides.
    public var requiresSMTPUTF8: Bool { address.utf8.contains { $0 >= 0x80 } }

    /// Parameters for the upstream MAIL command, space separated, "" when none.
    public func parameterString(for peer: PeerCapabilities) -> String {
        var p: [String] = []
        if let size, peer.size != nil { p.append("SIZE=\(size)") }
        if let body, peer.eightBitMIME {
            if body != .binaryMIME || (peer.binaryMIME && peer.chunking) { p.append("BODY=\(body.rawValue)") }
        }
        if smtputf8 && peer.smtputf8 { p.append("SMTPUTF8") }
        if peer.dsn {
            if let ret { p.append("RET=\(ret)") }
            if let envid { p.append("ENVID=\(envid)") }
        }
        return p.joined(separator: " ")
    }

    /// The whole upstream command line without CRLF: `MAIL FROM:<addr> PARAMS`.
    public func commandLine(for peer: PeerCapabilities) -> String {
        let params = parameterString(for: peer)
        return "MAIL FROM:<\(address)>" + (params.isEmpty ? "" : " " + params)
    }

    /// Builds from the parsed path and parameter list.
    init(address: String, parameters: [ESMTPParameter]) throws(SMTPError) {
        self.init(address: address)
        for p in parameters {
            switch p.keyword {
            case "SIZE":
                let v = try p.requiredValue()
                guard v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .syntax("Error: bad SIZE value") }
                size = Int(v) ?? Int.max
            case "BODY":
                guard let b = BodyType(rawValue: try p.requiredValue().uppercased()) else {
                    throw .syntax("Error: bad BODY value")
                }
                body = b
            case "SMTPUTF8":
                try p.requireNoValue()
                smtputf8 = true
            case "RET":
                let v = try p.requiredValue().uppercased()
                guard v == "FULL" || v == "HDRS" else { throw .syntax("Error: bad RET value") }
                ret = v
            case "ENVID":
                let v = try p.requiredValue()
                guard v.utf8.count <= Self.maxEnvidLength, XText.isValid(v) else { throw .syntax("Error: bad ENVID value") }
                envid = v
            case "AUTH":
                let v = try p.requiredValue()
                guard v == "<>" || XText.isValid(v) else { throw .syntax("Error: bad AUTH value") }
                auth = v
            default:
                throw SMTPError(.unknownParameter(p.keyword))
            }
        }
    }
}

// SMTPCommandParser: one framed command line (CRLF already removed) to an SMTPCommand.
// Guarantees: never traps, whatever the bytes. Verbs are case-insensitive; trailing spaces are
// ignored. Control characters (bare CR, NUL, ...) and invalid UTF-8 are 501 5.5.2; an unknown verb is
// 500 5.5.1; known but unsupported verbs (EXPN, ETRN, BDAT, ...) are 502 5.5.1; argument errors are
// 501 (5.5.4, or 5.1.7 / 5.1.3 for bad paths) and unknown MAIL/RCPT parameters 555 5.5.4.

public enum SMTPCommandParser {
    /// HELO/EHLO/LHLO argument limit (a domain or address literal).
    public static let maxHeloLength = 255
    /// SASL mechanism names are at most 20 characters (RFC 4422 3.1).
    public static let maxMechanismLength = 20
    /// Longest verb looked up (STARTTLS and XFORWARD are 8); longer first words are unknown commands.
    public static let maxVerbLength = 16

    static let unsupportedVerbs: Set<String> = [
        "EXPN", "TURN", "ETRN", "ATRN", "BDAT", "SEND", "SOML", "SAML", "VERB", "ONEX", "XCLIENT",
    ]

    /// Parses with the default address limits.
    public static func parse(_ line: [UInt8]) -> Result<SMTPCommand, SMTPError> {
        parse(line, limits: .default)
    }

    public static func parse(_ line: [UInt8], limits: AddressLimits) -> Result<SMTPCommand, SMTPError> {
        do throws(SMTPError) {
            return .success(try parseThrowing(line[...], limits: limits))
        } catch {
            return .failure(error)
        }
    }

    static func parseThrowing(_ raw: ArraySlice<UInt8>, limits: AddressLimits) throws(SMTPError) -> SMTPCommand {
        var line = raw
        while line.last == 0x20 { line = line.dropLast() }
        guard !line.isEmpty else { throw SMTPError(SMTPReply(500, "5.5.2", "Error: bad syntax")) }
        if line.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw SMTPError(SMTPReply(501, "5.5.2", "Error: invalid character in command"))
        }
        guard String(validating: line, as: UTF8.self) != nil else {
            throw SMTPError(SMTPReply(501, "5.5.2", "Error: invalid UTF-8 in command"))
        }
        let space = line.firstIndex(of: 0x20) ?? line.endIndex
        let verbBytes = line[line.startIndex..<space]
        guard verbBytes.count <= maxVerbLength else { throw SMTPError(.unknownCommand) }
        let verb = String(decoding: verbBytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        let arg = space < line.endIndex ? line[(space + 1)...] : line[line.endIndex...]

        switch verb {
        case "HELO": return .helo(try heloArgument(arg, verb: verb))
        case "EHLO": return .ehlo(try heloArgument(arg, verb: verb))
        case "LHLO": return .lhlo(try heloArgument(arg, verb: verb))
        case "MAIL":
            let rest = try afterPrefix("FROM:", in: arg, usage: "Syntax: MAIL FROM:<address>")
            let (address, params) = try MailPath.parse(rest, kind: .reverse, limits: limits)
            return .mail(try MailFrom(address: address, parameters: try ESMTPParameters.parse(params)))
        case "RCPT":
            let rest = try afterPrefix("TO:", in: arg, usage: "Syntax: RCPT TO:<address>")
            let (address, params) = try MailPath.parse(rest, kind: .forward, limits: limits)
            return .rcpt(try RcptTo(address: address, parameters: try ESMTPParameters.parse(params)))
        case "DATA": try noArgument(arg, verb: verb); return .data
        case "RSET": try noArgument(arg, verb: verb); return .rset
        case "QUIT": try noArgument(arg, verb: verb); return .quit
        case "STARTTLS": try noArgument(arg, verb: verb); return .starttls
        case "NOOP": return .noop
        case "HELP": return .help
        case "VRFY":
            guard !arg.isEmpty else { throw .syntax("Syntax: VRFY address") }
            return .vrfy(String(decoding: arg, as: UTF8.self))
        case "AUTH": return try auth(arg)
        case "XFORWARD":
            let words = arg.split(separator: 0x20)
            guard !words.isEmpty else { throw .syntax("Syntax: XFORWARD attribute=value...") }
            guard words.count <= XForwardAttribute.Name.allCases.count else {
                throw .syntax("Error: too many XFORWARD attributes")
            }
            var attrs: [XForwardAttribute] = []
            for w in words { attrs.append(try XForwardAttribute.parse(w)) }
            return .xforward(attrs)
        default:
            if unsupportedVerbs.contains(verb) { throw SMTPError(.notImplemented) }
            throw SMTPError(.unknownCommand, cause: "verb \(verb)")
        }
    }

    static func heloArgument(_ arg: ArraySlice<UInt8>, verb: String) throws(SMTPError) -> String {
        guard !arg.isEmpty, !arg.contains(0x20), arg.count <= maxHeloLength else {
            throw .syntax("Syntax: \(verb) hostname")
        }
        return String(decoding: arg, as: UTF8.self)
    }

    static func noArgument(_ arg: ArraySlice<UInt8>, verb: String) throws(SMTPError) {
        guard arg.isEmpty else { throw .syntax("Syntax: \(verb)") }
    }

    /// Checks the case-insensitive `FROM:` / `TO:` prefix and skips spaces after it (as Postfix does).
    static func afterPrefix(_ prefix: String, in arg: ArraySlice<UInt8>, usage: String) throws(SMTPError) -> ArraySlice<UInt8> {
        let p = Array(prefix.utf8)
        guard arg.count >= p.count, MailPath.asciiLowercased(arg.prefix(p.count)) == MailPath.asciiLowercased(p) else {
            throw .syntax(usage)
        }
        var rest = arg.dropFirst(p.count)
        while rest.first == 0x20 { rest = rest.dropFirst() }
        guard !rest.isEmpty else { throw .syntax(usage) }
        return rest
    }

    static func auth(_ arg: ArraySlice<UInt8>) throws(SMTPError) -> SMTPCommand {
        let words = arg.split(separator: 0x20)
        guard let mech = words.first, words.count <= 2 else { throw .syntax("Syntax: AUTH mechanism [initial-response]") }
        guard mech.count <= maxMechanismLength,
              mech.allSatisfy({ MailPath.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw .syntax("Error: bad AUTH mechanism name")
        }
        let mechanism = String(decoding: mech.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        var initial: String?
        if words.count == 2 {
            let w = words[1]
            let isBase64 = w.allSatisfy {
                MailPath.isAlnum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=")
            }
            guard isBase64 else { throw SMTPError(SMTPReply(501, "5.5.2", "Error: invalid base64 in initial response")) }
            initial = String(decoding: w, as: UTF8.self)
        }
        return .auth(mechanism: mechanism, initial: initial)
    }
}

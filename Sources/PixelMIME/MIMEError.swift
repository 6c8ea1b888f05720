// MIMEError: the typed failures of MIME parsing and rewriting. A parse error means a limit was
// exceeded (the caller then applies its `on_unparseable` policy); malformed-but-bounded input
// never throws, it is parsed leniently and noted in MIMEMessage.defects.

/// A limit of `MIMELimits` was exceeded while parsing. `offset` is where in the message.
public enum MIMEError: Error, Sendable, Equatable, CustomStringConvertible {
    case depthExceeded(limit: Int, offset: Int)
    case tooManyParts(limit: Int, offset: Int)
    case headerTooLarge(limit: Int, offset: Int)
    case boundaryTooLong(length: Int, limit: Int, offset: Int)
    case lineTooLong(limit: Int, offset: Int)

    public var description: String {
        switch self {
        case let .depthExceeded(limit, offset):
            return "MIME nesting deeper than \(limit) levels (at octet \(offset))"
        case let .tooManyParts(limit, offset):
            return "more than \(limit) MIME parts (at octet \(offset))"
        case let .headerTooLarge(limit, offset):
            return "header block larger than \(limit) octets (part at octet \(offset))"
        case let .boundaryTooLong(length, limit, offset):
            return "multipart boundary of \(length) octets exceeds \(limit) (part at octet \(offset))"
        case let .lineTooLong(limit, offset):
            return "header line longer than \(limit) octets (at octet \(offset))"
        }
    }
}

/// Why MIMERewriter refused an edit.
public enum MIMERewriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The leaf index is not an index of `MIMEMessage.leaves()`.
    case noSuchLeaf(index: Int, leafCount: Int)
    /// The leaf is an encapsulated message or a multipart without parts: never rewritten.
    case leafNotRewritable(index: Int, reason: String)

    public var description: String {
        switch self {
        case let .noSuchLeaf(index, count): return "no leaf \(index) (message has \(count) leaves)"
        case let .leafNotRewritable(index, reason): return "leaf \(index) cannot be rewritten: \(reason)"
        }
    }
}

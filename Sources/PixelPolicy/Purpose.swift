// Purpose: the seven fixed purpose ids of DESIGN "Rules". They are used verbatim in the config,
// the store, the API, tokens and logs. Exempt purposes never need (nor take) consent.
public enum Purpose: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case openMeasurement = "open_measurement"
    case frequencyAdaptation = "frequency_adaptation"
    case personalization = "personalization"
    case crossChannel = "cross_channel"
    case fraudDetection = "fraud_detection"
    case authenticationSecurity = "authentication_security"
    case anonymousStatistics = "anonymous_statistics"

    /// The five purposes that need the recipient's consent, in DESIGN order.
    public static let consentable: [Purpose] = [.openMeasurement, .frequencyAdaptation, .personalization, .crossChannel, .fraudDetection]

    public var isExempt: Bool { self == .authenticationSecurity || self == .anonymousStatistics }

    public var id: String { rawValue }

    /// Parses a purpose id, exactly (ids are lower case).
    public init?(id: String) { self.init(rawValue: id) }

    public static func < (a: Purpose, b: Purpose) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A declared purpose as written in a message: a known id, or an unknown token kept verbatim
/// (an unknown purpose can never be consented, so its tracker is never kept).
public enum DeclaredPurpose: Sendable, Hashable, CustomStringConvertible {
    case known(Purpose)
    case unknown(String)

    public init(_ token: String) {
        if let p = Purpose(id: token) { self = .known(p) } else { self = .unknown(token) }
    }

    public var description: String {
        switch self {
        case .known(let p): return p.id
        case .unknown(let s): return s
        }
    }
}

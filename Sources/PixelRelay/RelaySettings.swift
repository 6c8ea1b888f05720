// RelaySettings: everything a relay session needs to know, already parsed and validated by the CLI.
// Contract: plain Sendable values with the documented defaults; a running server swaps in a new
// value on reload, and each session keeps the snapshot it started with.
import PixelNet
import PixelLog
import PixelSMTP

/// The `[limits]` section.
public struct RelayLimits: Sendable, Equatable {
    /// Largest DATA accepted, advertised as SIZE (552 5.3.4).
    public var maxMessageSize = 50 << 20
    /// Recipients per transaction (452 4.5.3).
    public var maxRecipients = 1000
    /// Longest DATA line without CRLF (500 5.5.2).
    public var maxLineLength = 998
    /// Longest command line without CRLF (500 5.5.2).
    public var maxCommandLine = 512
    /// Largest header section (552 5.3.4).
    public var maxHeaderSize = 1 << 20
    /// Idle time allowed between commands (421 4.4.2).
    public var commandTimeout = 300.0
    /// Idle time allowed between DATA reads (421 4.4.2).
    public var dataTimeout = 600.0
    /// Protocol errors (unknown commands, bad syntax, failed AUTH) before the session is closed (421 4.7.0).
    public var maxErrors = 20
    /// Pause before answering a failed AUTH; doubles with each failure in the session.
    public var authFailureDelay = 1.0
    /// Ceiling of that growing pause.
    public var authFailureDelayMax = 8.0
    /// Failed AUTH attempts before the session gets 421 4.7.0 and is closed.
    public var maxAuthFailures = 3

    public init() {}
}

/// Where upstream is.
public enum UpstreamTarget: Sendable, Equatable {
    /// SMTP hosts tried in order: "host:port" pairs.
    case hosts([(host: String, port: Int)])
    /// Dry run: write each outgoing variant to this directory.
    case directory(String)

    public static func == (a: UpstreamTarget, b: UpstreamTarget) -> Bool {
        switch (a, b) {
        case (.directory(let x), .directory(let y)): return x == y
        case (.hosts(let x), .hosts(let y)): return x.map { "\($0.host):\($0.port)" } == y.map { "\($0.host):\($0.port)" }
        default: return false
        }
    }
}

/// The `[upstream]` section.
public struct UpstreamSettings: Sendable {
    public var target: UpstreamTarget = .hosts([])
    public var tlsPolicy: TLSPolicy = .may
    /// Client TLS context; built from `ca_file` (verifying only under `verify`).
    public var tlsContext: TLSContext?
    public var credentials: UpstreamCredentials?
    public var xforward = true
    /// EHLO name; the server hostname when empty.
    public var heloName = ""
    public var connectTimeout = 30.0
    public var commandTimeout = 120.0
    /// Sending the body and waiting for the final reply (kept under Postfix's 600 s).
    public var dataTimeout = 540.0
    /// Idle upstream sessions kept for the next inbound session (`pool_*` keys).
    public var pool = UpstreamPoolSettings()

    public init() {}
}

public struct RelaySettings: Sendable {
    /// Name in the greeting, EHLO reply and Received header.
    public var hostname = "localhost"
    public var allowNetworks = IPNetworkList([IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!])
    public var maxConnections = 100
    public var bareNewline: BareNewlinePolicy = .reject
    /// DATA kept in memory up to this many bytes, then in an unlinked file in `spoolDirectory`.
    public var spoolMemoryLimit = 1 << 20
    public var spoolDirectory = "/var/lib/pixelgate"
    /// Bytes that messages spooled to disk may map at once while planned and relayed (MemoryBudget).
    public var largeMessageMemory = 128 << 20
    public var shutdownGrace = 30.0
    public var limits = RelayLimits()
    /// Inbound TLS: none|may|encrypt|verify, and the server context (nil means no STARTTLS).
    public var tlsPolicy: TLSPolicy = .may
    public var tlsContext: TLSContext?
    public var credentials: InboundCredentials?
    public var upstream = UpstreamSettings()
    public var addressLogMode: AddressLogMode = .full

    public init() {}
}

// swift-tools-version:6.0
// pixelgate: an outbound SMTP relay that enforces tracking-pixel consent.
// Module layout follows ../shared/DESIGN.md "Suggested module layout"; docs/flow.md walks the data path.
import PackageDescription

let package = Package(
    name: "pixelgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pixelgate", targets: ["pixelgate"]),
        .executable(name: "pixelgate-bench", targets: ["pixelgate-bench"]),
        .executable(name: "fuzz-mime", targets: ["FuzzMIME"]),
        .executable(name: "fuzz-html", targets: ["FuzzHTML"]),
        .executable(name: "fuzz-smtp", targets: ["FuzzSMTP"]),
        .executable(name: "fuzz-dot", targets: ["FuzzDot"]),
        .executable(name: "fuzz-http", targets: ["FuzzHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // C shims: system libraries and static-inline wrappers for their macros. No logic.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),

        // Hashes, AEAD, random bytes and password-hash checks over OpenSSL EVP / libcrypt.
        .target(name: "PixelCrypto", dependencies: ["COpenSSL", "CCrypt"]),
        // logfmt log handler and address redaction.
        .target(name: "PixelLog", dependencies: ["PixelCrypto", .product(name: "Logging", package: "swift-log")]),
        // fds, sockets, listeners, deadlines, TLS streams. Knows nothing of SMTP or MIME.
        .target(name: "PixelNet", dependencies: ["COpenSSL"]),
        // SMTP/LMTP grammar, replies, enhanced codes, dot codec, state machines. No I/O.
        .target(name: "PixelSMTP"),
        // One-pass MIME parser, transfer/charset codecs, re-encoding. Knows nothing of SMTP/HTML.
        .target(name: "PixelMIME"),
        // HTML tokenizer, tracker vectors, evidence, URL edits. Knows nothing of MIME or consent.
        .target(name: "PixelHTML", dependencies: ["PixelCrypto"], resources: [.embedInCode("signatures.txt")]),
        // Purposes, profiles, decisions, footer templates, tokens. No sockets, no SQL.
        .target(name: "PixelPolicy", dependencies: ["PixelCrypto"]),
        // Analyse a message once, plan variants per recipient, render them. Used by relay and `filter`.
        .target(name: "PixelEngine", dependencies: ["PixelMIME", "PixelHTML", "PixelPolicy"]),
        // ConsentStore protocol and its SQLite, PostgreSQL and HTTP backends.
        .target(name: "PixelStore", dependencies: [
            "PixelPolicy", "PixelCrypto", "CLibPQ",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // Session drivers, upstream client, variant fan-out, journal seam.
        .target(name: "PixelRelay", dependencies: [
            "PixelNet", "PixelSMTP", "PixelCrypto", "PixelLog",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Counters and histograms, rendered in the Prometheus text format. No I/O.
        .target(name: "PixelMetrics"),
        // DKIM (RFC 6376/8463): canonicalisation, body hash, signing and key loading over OpenSSL EVP.
        .target(name: "PixelDKIM", dependencies: ["COpenSSL", "PixelCrypto"]),
        // HTTP side: the gate, withdrawal, preferences, consent API, metrics and health, on a small
        // HTTP/1.1 server over PixelNet (FlyingFox 0.27.1 has no request-size limits or read timeout).
        .target(name: "PixelWeb", dependencies: [
            "PixelPolicy", "PixelStore", "PixelCrypto", "PixelMetrics", "PixelLog", "PixelNet",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The one executable: CLI, config loading, wiring.
        .executableTarget(name: "pixelgate", dependencies: [
            "PixelRelay", "PixelEngine", "PixelStore", "PixelPolicy", "PixelLog", "PixelNet", "PixelSMTP",
            "PixelWeb", "PixelMetrics", "PixelDKIM",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "pixelgate-bench", dependencies: ["PixelEngine", "PixelHTML", "PixelMIME", "PixelStore", "PixelPolicy", "PixelDKIM", "PixelSMTP"]),
        .executableTarget(name: "FuzzMIME", dependencies: ["PixelMIME"]),
        .executableTarget(name: "FuzzHTML", dependencies: ["PixelHTML"]),
        .executableTarget(name: "FuzzSMTP", dependencies: ["PixelSMTP"]),
        .executableTarget(name: "FuzzDot", dependencies: ["PixelSMTP"]),
        .executableTarget(name: "FuzzHTTP", dependencies: ["PixelWeb", "PixelNet"]),

        .testTarget(name: "PixelCryptoTests", dependencies: ["PixelCrypto", "PixelLog"]),
        .testTarget(name: "PixelLogTests", dependencies: ["PixelLog", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "PixelNetTests", dependencies: ["PixelNet"]),
        .testTarget(name: "PixelSMTPTests", dependencies: ["PixelSMTP"]),
        .testTarget(name: "PixelMIMETests", dependencies: ["PixelMIME"]),
        .testTarget(name: "PixelHTMLTests", dependencies: ["PixelHTML"], exclude: ["fixtures"]),
        .testTarget(name: "PixelPolicyTests", dependencies: ["PixelPolicy"]),
        .testTarget(name: "PixelEngineTests", dependencies: ["PixelEngine"], resources: [.copy("golden")]),
        .testTarget(name: "PixelStoreTests", dependencies: ["PixelStore"]),
        .testTarget(name: "PixelRelayTests", dependencies: ["PixelRelay", "PixelSMTP", "PixelNet"]),
        .testTarget(name: "PixelMetricsTests", dependencies: ["PixelMetrics"]),
        .testTarget(name: "PixelDKIMTests", dependencies: ["PixelDKIM", "PixelCrypto"], resources: [.copy("vectors")]),
        .testTarget(name: "PixelWebTests", dependencies: ["PixelWeb", "PixelStore", "PixelPolicy", "PixelMetrics", "PixelNet"]),
        // The executable's wiring and config (SwiftPM links an @main executable into its tests).
        .testTarget(name: "pixelgateTests", dependencies: ["pixelgate"]),
    ],
    swiftLanguageModes: [.v6]
)

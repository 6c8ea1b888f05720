// TransferCodec: the entry points for Content-Transfer-Encoding decoding and encoding.
// decode never fails (lenient, `clean` says whether the input was well-formed); encode gives
// RFC-conformant output (base64 76-char lines, QP 76-char lines, identity lines <= 998 octets)
// and says when the content cannot stay in its encoding (`needsQuotedPrintable`).

/// Decoded content and whether the encoded input was well-formed.
public struct DecodeResult: Sendable, Equatable {
    public var bytes: [UInt8]
    /// False when junk, invalid escapes, stray 8-bit octets or bad padding were seen.
    public var clean: Bool
    public init(bytes: [UInt8], clean: Bool) {
        self.bytes = bytes
        self.clean = clean
    }
}

/// Encoded content; `needsQuotedPrintable` is true when the requested encoding cannot carry it
/// (then `bytes` is the best effort in that encoding and should not be used).
public struct EncodeResult: Sendable, Equatable {
    public var bytes: [UInt8]
    public var needsQuotedPrintable: Bool
    public init(bytes: [UInt8], needsQuotedPrintable: Bool) {
        self.bytes = bytes
        self.needsQuotedPrintable = needsQuotedPrintable
    }
}

public enum TransferCodec {
    /// Decodes a body. Identity encodings return the bytes unchanged (clean); an unknown
    /// encoding returns the bytes unchanged, unclean.
    public static func decode(_ bytes: UnsafeRawBufferPointer, _ encoding: TransferEncoding) -> DecodeResult {
        switch encoding {
        case .base64: return Base64Codec.decode(bytes)
        case .quotedPrintable: return QuotedPrintable.decode(bytes)
        case .sevenBit, .eightBit, .binary: return DecodeResult(bytes: Array(bytes), clean: true)
        case .other: return DecodeResult(bytes: Array(bytes), clean: false)
        }
    }

    public static func decode(_ bytes: ArraySlice<UInt8>, _ encoding: TransferEncoding) -> DecodeResult {
        bytes.withUnsafeBytes { decode($0, encoding) }
    }

    public static func decode(_ bytes: [UInt8], _ encoding: TransferEncoding) -> DecodeResult {
        bytes.withUnsafeBytes { decode($0, encoding) }
    }

    /// Decodes the body of `part` from the message buffer it was parsed from.
    public static func decodeBody(of part: MIMEPart, in message: UnsafeRawBufferPointer) -> DecodeResult {
        let range = part.bodyRange.clamped(to: 0..<message.count)
        return decode(UnsafeRawBufferPointer(rebasing: message[range]), part.transferEncoding)
    }

    /// Encodes content for `encoding`. Base64 and QP always succeed; identity encodings may ask
    /// for quoted-printable (see IdentityEncoding); `.other` always asks for it.
    public static func encode(_ bytes: [UInt8], _ encoding: TransferEncoding, lineEnding: LineEnding = .crlf) -> EncodeResult {
        switch encoding {
        case .base64: return EncodeResult(bytes: Base64Codec.encode(bytes, lineEnding: lineEnding), needsQuotedPrintable: false)
        case .quotedPrintable: return EncodeResult(bytes: QuotedPrintable.encode(bytes, lineEnding: lineEnding), needsQuotedPrintable: false)
        case .sevenBit, .eightBit, .binary: return IdentityEncoding.encode(bytes, encoding: encoding, lineEnding: lineEnding)
        case .other: return EncodeResult(bytes: bytes, needsQuotedPrintable: true)
        }
    }
}

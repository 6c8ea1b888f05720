// Canonicalization: RFC 6376 §3.4 header canonicalisation, "simple" and "relaxed".
// Contract: `header(_:_:)` returns the canonical form of one raw header field, line ends
// normalised to CRLF (a bare LF counts as a line end, as dkimpy and OpenDKIM read it). Relaxed:
// name lower-cased, unfolded, WSP runs to one SP, WSP around the colon and at the end removed,
// ending in CRLF. Simple: the field as is. Body canonicalisation is in BodyCanonicalizer.

public enum Canonicalization: String, Sendable, CaseIterable {
    case simple, relaxed
}

public enum HeaderCanonicalizer {
    /// The canonical form of one raw header field (name, colon, value, line end).
    public static func header<C: Collection>(_ raw: C, _ c: Canonicalization) -> [UInt8] where C.Element == UInt8 {
        switch c {
        case .simple: return simple(raw)
        case .relaxed: return relaxed(raw)
        }
    }

    static func simple<C: Collection>(_ raw: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + 2)
        var prev: UInt8 = 0
        for b in raw {
            if b == 0x0A && prev != 0x0D { out.append(0x0D) }
            out.append(b)
            prev = b
        }
        if out.last != 0x0A { out += [0x0D, 0x0A] }
        return out
    }

    static func relaxed<C: Collection>(_ raw: C) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(raw)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return simple(raw) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 2)
        // Name: lower case, without trailing WSP.
        var nameEnd = colon
        while nameEnd > 0 && isWSP(bytes[nameEnd - 1]) { nameEnd -= 1 }
        for b in bytes[0..<nameEnd] { out.append(b >= 0x41 && b <= 0x5A ? b + 0x20 : b) }
        out.append(UInt8(ascii: ":"))
        // Value: unfold, collapse WSP, trim both ends.
        var pendingSpace = false
        var started = false
        for b in bytes[(colon + 1)...] {
            if b == 0x0D || b == 0x0A { continue }
            if isWSP(b) { pendingSpace = true; continue }
            if pendingSpace && started { out.append(0x20) }
            pendingSpace = false
            started = true
            out.append(b)
        }
        out += [0x0D, 0x0A]
        return out
    }

    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
}

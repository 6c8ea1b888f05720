// SignatureInput: the header hash input of RFC 6376 §3.7 — the signed header fields, chosen
// bottom-up per name, canonicalised, then the DKIM-Signature field itself with an empty b= and
// no trailing CRLF.
// Contract: a name listed more times than it occurs contributes nothing for the extra entries
// (that is what makes over-signing work). Used by the signer and by the golden tests to rebuild
// a published signature's input.

public enum SignatureInput {
    /// The fields `names` selects, in h= order: the n-th mention of a name takes its n-th
    /// instance counting from the bottom of the header block.
    public static func select(_ fields: [HeaderField], names: [String]) -> [HeaderField] {
        var used: [String: Int] = [:]
        var out: [HeaderField] = []
        for name in names {
            let key = name.lowercased()
            let instances = fields.filter { $0.name.lowercased() == key }
            let n = used[key, default: 0]
            used[key] = n + 1
            if n < instances.count { out.append(instances[instances.count - 1 - n]) }
        }
        return out
    }

    /// The bytes the signature covers (before the algorithm's own hashing).
    public static func build(block: [UInt8], fields: [HeaderField], names: [String],
                             signatureField: [UInt8], canonicalization: Canonicalization) -> [UInt8] {
        var data: [UInt8] = []
        for f in select(fields, names: names) {
            data += HeaderCanonicalizer.header(block[f.range], canonicalization)
        }
        var sig = HeaderCanonicalizer.header(stripSignatureValue(signatureField), canonicalization)
        if sig.suffix(2) == [0x0D, 0x0A] { sig.removeLast(2) }
        return data + sig
    }

    /// The raw DKIM-Signature field with the value of its b= tag removed (`b=` kept), as a
    /// verifier sees it (RFC 6376 §3.5, b= tag).
    public static func stripSignatureValue(_ raw: [UInt8]) -> [UInt8] {
        let colon = raw.firstIndex(of: UInt8(ascii: ":")) ?? -1
        var i = colon + 1
        // Find a tag named exactly "b" at a tag start (after ':' or ';' and FWS).
        var atTagStart = true
        while i < raw.count {
            let c = raw[i]
            if c == UInt8(ascii: ";") { atTagStart = true; i += 1; continue }
            if atTagStart {
                if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { i += 1; continue }
                if c == UInt8(ascii: "b") {
                    var j = i + 1
                    while j < raw.count && (raw[j] == 0x20 || raw[j] == 0x09 || raw[j] == 0x0D || raw[j] == 0x0A) { j += 1 }
                    if j < raw.count && raw[j] == UInt8(ascii: "=") {
                        var end = j + 1
                        while end < raw.count && raw[end] != UInt8(ascii: ";") { end += 1 }
                        // Keep the line end of the field when b= is the last tag.
                        var tail = Array(raw[end...])
                        if end == raw.count {
                            tail = []
                            var k = raw.count
                            while k > j + 1 && (raw[k - 1] == 0x0D || raw[k - 1] == 0x0A) { k -= 1 }
                            tail = Array(raw[k...])
                        }
                        return Array(raw[..<(j + 1)]) + tail
                    }
                }
                atTagStart = false
            }
            i += 1
        }
        return raw
    }
}

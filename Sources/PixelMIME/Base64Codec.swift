// Base64Codec: RFC 2045 6.8 base64. Decoding is lenient: whitespace and line breaks are
// skipped silently; any other octet outside the alphabet, misplaced padding or a dangling
// final sextet marks the result unclean but never stops decoding. Encoding writes lines of
// exactly 76 characters (the last may be shorter), each ended by the requested line ending.

enum Base64Codec {
    static let lineLength = 76
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0...63 for alphabet octets, 64 for '=', 65 for whitespace, 66 for junk.
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 66, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[61] = 64
        for w in [9, 10, 13, 32] { t[w] = 65 }
        return t
    }()

    static func decode(_ input: UnsafeRawBufferPointer) -> DecodeResult {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3 + 3)
        var clean = true
        var acc: UInt32 = 0
        var count = 0       // sextets in the current quantum
        var padded = false  // saw '=' ending the current data
        table.withUnsafeBufferPointer { t in
            for b in input {
                let v = t[Int(b)]
                if v < 64 {
                    if padded { clean = false; padded = false } // data after padding: keep decoding
                    acc = acc << 6 | UInt32(v)
                    count += 1
                    if count == 4 {
                        out.append(UInt8(truncatingIfNeeded: acc >> 16))
                        out.append(UInt8(truncatingIfNeeded: acc >> 8))
                        out.append(UInt8(truncatingIfNeeded: acc))
                        acc = 0
                        count = 0
                    }
                } else if v == 64 {
                    switch count {
                    case 0: if !padded { clean = false } // stray '=' (a second '=' after "xx=" is fine)
                    case 1: clean = false                 // a single sextet holds no octet
                    default: flushPartial(&out, acc, count)
                    }
                    acc = 0
                    count = 0
                    padded = true
                } else if v == 66 {
                    clean = false
                }
            }
        }
        if count >= 2 {
            flushPartial(&out, acc, count)
            clean = false // missing padding
        } else if count == 1 {
            clean = false
        }
        return DecodeResult(bytes: out, clean: clean)
    }

    /// Emits the 1 or 2 octets of a quantum of 2 or 3 sextets.
    @inline(__always)
    static func flushPartial(_ out: inout [UInt8], _ acc: UInt32, _ count: Int) {
        if count == 2 {
            out.append(UInt8(truncatingIfNeeded: acc >> 4))
        } else if count == 3 {
            out.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.append(UInt8(truncatingIfNeeded: acc >> 2))
        }
    }

    static func encode(_ input: [UInt8], lineEnding: LineEnding) -> [UInt8] {
        let n = input.count
        let chars = (n + 2) / 3 * 4
        let lines = (chars + lineLength - 1) / lineLength
        let crlf = lineEnding == .crlf
        let total = chars + lines * (crlf ? 2 : 1)
        guard total > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: total) { out, count in
            input.withUnsafeBufferPointer { inp in
                alphabet.withUnsafeBufferPointer { a in
                    var o = 0, column = 0, i = 0
                    // 76 is a multiple of 4: line ends fall between quanta.
                    while i < n {
                        let rest = n - i
                        let b0 = UInt32(inp[i])
                        let b1 = rest > 1 ? UInt32(inp[i + 1]) : 0
                        let b2 = rest > 2 ? UInt32(inp[i + 2]) : 0
                        let v = b0 << 16 | b1 << 8 | b2
                        out[o] = a[Int(v >> 18 & 63)]
                        out[o + 1] = a[Int(v >> 12 & 63)]
                        out[o + 2] = rest > 1 ? a[Int(v >> 6 & 63)] : 61
                        out[o + 3] = rest > 2 ? a[Int(v & 63)] : 61
                        o += 4
                        column += 4
                        i += 3
                        if column == lineLength || i >= n {
                            if crlf { out[o] = 13; o += 1 }
                            out[o] = 10
                            o += 1
                            column = 0
                        }
                    }
                    count = o
                }
            }
        }
    }
}

// Punycode: RFC 3492 encoding of one Unicode label to ASCII (the part after "xn--").
// Contract: pure function over Unicode scalars; returns nil only on arithmetic overflow (an
// absurdly long label), never crashes. Encoding only: the store never needs to decode.
// Test vectors from RFC 3492 section 7.1 are checked in PixelStoreTests.
enum Punycode {
    private static let base: UInt32 = 36, tMin: UInt32 = 1, tMax: UInt32 = 26
    private static let skew: UInt32 = 38, damp: UInt32 = 700
    private static let initialBias: UInt32 = 72, initialN: UInt32 = 128

    /// Encodes `label` (already lower-cased and NFC). Basic code points are copied as they are.
    static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map(\.value)
        var output: [UInt8] = input.filter { $0 < 0x80 }.map { UInt8($0) }
        let basicCount = UInt32(output.count)
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }
        var n = initialN, delta: UInt32 = 0, bias = initialBias
        while handled < UInt32(input.count) {
            guard let m = input.filter({ $0 >= n }).min() else { return nil }
            let (mul, o1) = (m - n).multipliedReportingOverflow(by: handled + 1)
            let (sum, o2) = delta.addingReportingOverflow(mul)
            if o1 || o2 { return nil }
            delta = sum
            n = m
            for c in input {
                if c < n {
                    let (d, o) = delta.addingReportingOverflow(1)
                    if o { return nil }
                    delta = d
                }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, numPoints: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func digit(_ d: UInt32) -> UInt8 {
        d < 26 ? UInt8(ascii: "a") + UInt8(d) : UInt8(ascii: "0") + UInt8(d - 26)
    }

    private static func adapt(_ delta: UInt32, numPoints: UInt32, first: Bool) -> UInt32 {
        var d = first ? delta / damp : delta / 2
        d += d / numPoints
        var k: UInt32 = 0
        while d > ((base - tMin) * tMax) / 2 {
            d /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * d / (d + skew)
    }
}

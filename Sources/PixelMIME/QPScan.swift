// QPScan: sixteen-octet scans for the quoted-printable decoder and line map (SIMD16<UInt8>, one
// SSE2 compare per octet class on x86-64). A block is classified by comparing all its lanes at
// once; the first hit is located from the compare result read as two 64-bit words, so no octet is
// looked at twice and no decision depends on where the 16-octet blocks fall: the results are
// exactly those of a byte-at-a-time scan (QuotedPrintableModelTests, QPSpliceTests).

enum QPScan {
    typealias Block = SIMD16<UInt8>
    typealias Mask = SIMDMask<SIMD16<Int8>>

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> Block {
        UnsafeRawPointer(p).loadUnaligned(as: Block.self)
    }

    @inline(__always)
    static func store(_ v: Block, to p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Block.self)
    }

    /// The lanes that are "=", CR or LF: where the decoder's literal run stops. (Compared with
    /// whole vectors: the `.==` with a scalar operand was compiled to a lane-by-lane loop.)
    @inline(__always)
    static func decodeSpecials(_ v: Block) -> Mask {
        (v .== Block(repeating: 61)) .| (v .== Block(repeating: 13)) .| (v .== Block(repeating: 10))
    }

    /// Some lane holds an 8-bit octet (128...255).
    @inline(__always)
    static func hasHighBit(_ v: Block) -> Bool {
        (unsafeBitCast(v.lowHalf, to: UInt64.self) | unsafeBitCast(v.highHalf, to: UInt64.self)) & QPWord.highBits != 0
    }

    /// The index of the first true lane of `m`; `m` must have one.
    @inline(__always)
    static func firstTrue(_ m: Mask) -> Int {
        let lanes = Block(repeating: 0).replacing(with: Block(repeating: 0xFF), where: m)
        let low = unsafeBitCast(lanes.lowHalf, to: UInt64.self)
        if low != 0 { return UInt64(littleEndian: low).trailingZeroBitCount &>> 3 }
        let high = unsafeBitCast(lanes.highHalf, to: UInt64.self)
        return 8 &+ UInt64(littleEndian: high).trailingZeroBitCount &>> 3
    }

    /// The position of the first "=", CR or LF in `p[from..<end]`, or `end` when there is none.
    @inline(__always)
    static func nextDecodeSpecial(_ p: UnsafePointer<UInt8>, from: Int, to end: Int) -> Int {
        var k = from
        while k &+ 16 <= end {
            let m = decodeSpecials(load(p + k))
            if any(m) { return k &+ firstTrue(m) }
            k &+= 16
        }
        if k &+ 8 <= end {
            let specials = QPWord.decodeSpecials(QPWord.load(p + k))
            if specials != 0 { return k &+ specials.trailingZeroBitCount &>> 3 }
            k &+= 8
        }
        while k < end {
            let b = p[k]
            if b == 61 || b == 13 || b == 10 { return k }
            k &+= 1
        }
        return end
    }
}

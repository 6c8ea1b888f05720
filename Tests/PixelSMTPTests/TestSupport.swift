// TestSupport: seeded randomness and small helpers shared by the PixelSMTP tests.
// SplitMix64 is deterministic, so every "random" split or message is reproducible from its seed.
@testable import PixelSMTP

struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cuts `count` bytes into chunk lengths: sometimes byte by byte, usually a few random cuts.
func randomSplits(count: Int, using rng: inout SplitMix64) -> [Int] {
    guard count > 0 else { return [] }
    if Int.random(in: 0..<10, using: &rng) == 0 { return Array(repeating: 1, count: count) }
    let cutCount = Int.random(in: 0...min(count - 1, 24), using: &rng)
    var cuts = Set<Int>()
    while cuts.count < cutCount { cuts.insert(Int.random(in: 1..<count, using: &rng)) }
    var lengths: [Int] = []
    var last = 0
    for c in cuts.sorted() + [count] {
        lengths.append(c - last)
        last = c
    }
    return lengths
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// True when every CR is followed by LF and every LF follows a CR.
func hasOnlyCRLF(_ b: [UInt8]) -> Bool {
    for (i, c) in b.enumerated() {
        if c == 0x0D && (i + 1 >= b.count || b[i + 1] != 0x0A) { return false }
        if c == 0x0A && (i == 0 || b[i - 1] != 0x0D) { return false }
    }
    return true
}

func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= hay.count else { return false }
    if needle.isEmpty { return true }
    for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
        if Array(hay[i..<(i + needle.count)]) == needle { return true }
    }
    return false
}

func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
    guard needle.count <= hay.count, !needle.isEmpty else { return nil }
    for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
    return nil
}

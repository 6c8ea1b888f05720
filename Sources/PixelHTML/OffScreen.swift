// OffScreen: the CSS values that hide a box without display/visibility: an offset or margin that
// moves it far out of view (`left:-9999px`, `margin-left:-5000px`), a clip or clip-path with no
// area (`clip: rect(0 0 0 0)`, `rect(1px,1px,1px,1px)`, `clip-path: inset(50%)`, `circle(0)`), and
// `transform: scale(0)`. Used by InlineStyle (style attributes and hidden-class rules). Contract:
// pure, total on any bytes; "far" is at least `farPixels` CSS pixels (or 30em/rem, 100%/vw/vh),
// which layout tweaks never reach; anything unparsable is not hidden.

enum OffScreen {
    /// The smallest negative offset, in CSS pixels, that counts as moved out of view.
    static let farPixels = 500.0

    /// `left`, `top`, `right` or `bottom`.
    static func isOffset(_ p: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        ASCII.equalsLower(p, name, "left") || ASCII.equalsLower(p, name, "top")
            || ASCII.equalsLower(p, name, "right") || ASCII.equalsLower(p, name, "bottom")
    }

    /// A length of at most -500px (-30em/rem, -100%/vw/vh); other units never count.
    static func isFarNegative(_ p: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        guard let (v, unit) = signedLength(p, value, from: value.lowerBound)?.length, v < 0 else { return false }
        switch unit {
        case "", "px": return -v >= farPixels
        case "pt": return -v * 4 / 3 >= farPixels
        case "em", "rem": return -v >= 30
        case "%", "vw", "vh": return -v >= 100
        default: return false
        }
    }

    /// `rect(top, right, bottom, left)` with no area (bottom <= top or right <= left), lengths in one
    /// unit; `auto` or anything else is not a zero clip.
    static func isZeroClipRect(_ p: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        guard ASCII.matchesLower(p, value.lowerBound, "rect("),
              let edges = numbers(p, (value.lowerBound + 5)..<value.upperBound, count: 4) else { return false }
        return edges[2] <= edges[0] || edges[1] <= edges[3]
    }

    /// `inset(50%)` or more on every side pair, or `circle(0)` / `ellipse(0 0)`.
    static func isZeroClipPath(_ p: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        if ASCII.matchesLower(p, value.lowerBound, "inset("),
           let (v, unit) = signedLength(p, value, from: value.lowerBound + 6)?.length {
            return unit == "%" && v >= 50
        }
        let open: Int
        if ASCII.matchesLower(p, value.lowerBound, "circle(") { open = 7 } else if ASCII.matchesLower(p, value.lowerBound, "ellipse(") { open = 8 } else { return false }
        guard let (v, _) = signedLength(p, value, from: value.lowerBound + open)?.length else { return false }
        return v == 0
    }

    /// A `scale(0)`, `scale(0, n)`, `scale(n, 0)`, `scaleX(0)`, `scaleY(0)` or `scale3d(0, …)` among the
    /// transform functions.
    static func isZeroScale(_ p: UnsafeRawBufferPointer, _ value: Range<Int>) -> Bool {
        var i = value.lowerBound
        while i + 6 <= value.upperBound {
            if ASCII.matchesLower(p, i, "scale") {
                var j = i + 5
                var args = 2
                if j < value.upperBound, ASCII.lower(p[j]) == 0x78 || ASCII.lower(p[j]) == 0x79 { j += 1; args = 1 } // scaleX / scaleY
                else if ASCII.matchesLower(p, j, "3d") { j += 2; args = 3 }
                if j < value.upperBound, p[j] == 0x28 {
                    var k = j + 1
                    for _ in 0..<args {
                        guard let (len, next) = signedLength(p, value, from: k) else { break }
                        if len.0 == 0 { return true }
                        k = next
                        while k < value.upperBound, ASCII.isHTMLSpace(p[k]) || p[k] == 0x2C { k += 1 }
                    }
                }
                i = j
            } else {
                i += 1
            }
        }
        return false
    }

    /// `count` numbers separated by commas and/or spaces, each with an optional unit; nil unless all parse.
    static func numbers(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, count: Int) -> [Double]? {
        var out: [Double] = []
        var k = r.lowerBound
        while out.count < count {
            while k < r.upperBound, ASCII.isHTMLSpace(p[k]) || p[k] == 0x2C { k += 1 }
            guard let (len, next) = signedLength(p, r, from: k) else { return nil }
            out.append(len.0)
            k = next
        }
        return out
    }

    /// The signed number at `from` (after spaces) and its lower-cased unit ("" when none), and where
    /// parsing stopped; nil when there is no number.
    static func signedLength(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, from: Int) -> (length: (Double, String), next: Int)? {
        var i = from
        while i < r.upperBound, ASCII.isHTMLSpace(p[i]) { i += 1 }
        var sign = 1.0
        if i < r.upperBound, p[i] == 0x2D || p[i] == 0x2B { if p[i] == 0x2D { sign = -1 }; i += 1 }
        var v = 0.0, digits = 0
        while i < r.upperBound, ASCII.isDigit(p[i]), digits < 12 { v = v * 10 + Double(p[i] - 0x30); digits += 1; i += 1 }
        if i < r.upperBound, p[i] == 0x2E {
            i += 1
            var scale = 0.1
            while i < r.upperBound, ASCII.isDigit(p[i]) { v += Double(p[i] - 0x30) * scale; scale /= 10; digits += 1; i += 1 }
        }
        guard digits > 0 else { return nil }
        let u = i
        while i < r.upperBound, ASCII.isAlpha(p[i]) || p[i] == 0x25, i - u < 4 { i += 1 }
        return ((sign * v, ASCII.lowerString(p, u..<i)), i)
    }
}

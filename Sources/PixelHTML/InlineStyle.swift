// InlineStyle: reads the declarations of a `style` attribute that decide whether an element is
// rendered and how big it is (in pixels, capped by max-width/max-height, or relative to its container
// when a percentage): display, visibility, opacity, (max-)height, (max-)width, font-size,
// mso-hide, and the off-screen and zero-area tricks (position with a far negative left/top/right/
// bottom, a far negative margin, clip, clip-path, transform: OffScreen.swift). Contract: tolerant of
// case, spacing, `!important` and junk; unknown units leave the size unknown; lengths are parsed as
// CSS pixels (px or unitless), `0` in any unit is zero; declaration order does not matter.

struct InlineStyle {
    var hidden: HiddenFlags = []
    var width: Int?
    var height: Int?
    /// `max-width` / `max-height` in CSS pixels (a cap on the drawn size).
    var maxWidth: Int?
    var maxHeight: Int?
    /// `width` or `height` is a percentage of at least `InlineStyle.drawnPercent`: the box is drawn
    /// at the size of its container, whatever the image's own size.
    var relativeSize = false
    static let drawnPercent = 10.0
    /// `position` is absolute, fixed or relative (offsets move the box).
    private var positioned = false
    /// A left/top/right/bottom offset far out of view (applies when positioned).
    private var farOffset = false
    /// `clip` draws nothing (applies when positioned, as in CSS).
    private var zeroClip = false

    init() {}

    init(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) {
        var i = r.lowerBound
        let end = r.upperBound
        while i < end {
            // Declaration: name ':' value ';'
            let semi = ASCII.find(0x3B, p, from: i, to: end) ?? end
            if let colon = ASCII.find(0x3A, p, from: i, to: semi) {
                let name = ASCII.trim(p, i..<colon)
                let value = ASCII.trim(p, (colon + 1)..<semi)
                apply(p, name, value)
            }
            i = semi + 1
        }
        if positioned && farOffset { hidden.insert(.offScreen) }
        if positioned && zeroClip { hidden.insert(.clippedAway) }
    }

    private mutating func apply(_ p: UnsafeRawBufferPointer, _ name: Range<Int>, _ value: Range<Int>) {
        guard !name.isEmpty, !value.isEmpty else { return }
        // left, top, right, bottom (3 to 6 letters).
        if name.count <= 6, OffScreen.isOffset(p, name), OffScreen.isFarNegative(p, value) { farOffset = true }
        switch name.count {
        case 4:
            if ASCII.equalsLower(p, name, "clip"), OffScreen.isZeroClipRect(p, value) { zeroClip = true }
        case 5:
            if ASCII.equalsLower(p, name, "width"), let (v, px) = InlineStyle.number(p, value) {
                if v == 0 { hidden.insert(.zeroWidth) }
                if px { width = Int(v) } else if InlineStyle.isPercent(p, value), v >= InlineStyle.drawnPercent { relativeSize = true }
            }
        case 6:
            if ASCII.equalsLower(p, name, "height"), let (v, px) = InlineStyle.number(p, value) {
                if v == 0 { hidden.insert(.zeroHeight) }
                if px { height = Int(v) } else if InlineStyle.isPercent(p, value), v >= InlineStyle.drawnPercent { relativeSize = true }
            }
        case 7:
            if ASCII.equalsLower(p, name, "display"), ASCII.matchesLower(p, value.lowerBound, "none") { hidden.insert(.displayNone) }
            if ASCII.equalsLower(p, name, "opacity"), let (v, _) = InlineStyle.number(p, value), v == 0 { hidden.insert(.opacityZero) }
        case 8:
            if ASCII.equalsLower(p, name, "mso-hide"), ASCII.matchesLower(p, value.lowerBound, "all") { hidden.insert(.msoHide) }
            if ASCII.equalsLower(p, name, "position"),
               ASCII.matchesLower(p, value.lowerBound, "absolute") || ASCII.matchesLower(p, value.lowerBound, "fixed")
                || ASCII.matchesLower(p, value.lowerBound, "relative") {
                positioned = true
            }
        case 9:
            if ASCII.equalsLower(p, name, "max-width"), let (v, px) = InlineStyle.number(p, value) {
                if v == 0 { hidden.insert(.zeroMaxWidth) }
                if px { maxWidth = Int(v) }
            }
            if ASCII.equalsLower(p, name, "font-size"), let (v, _) = InlineStyle.number(p, value), v == 0 { hidden.insert(.fontSizeZero) }
            if ASCII.equalsLower(p, name, "clip-path"), OffScreen.isZeroClipPath(p, value) { hidden.insert(.clippedAway) }
            if ASCII.equalsLower(p, name, "transform"), OffScreen.isZeroScale(p, value) { hidden.insert(.clippedAway) }
        case 10:
            if ASCII.equalsLower(p, name, "visibility"),
               ASCII.matchesLower(p, value.lowerBound, "hidden") || ASCII.matchesLower(p, value.lowerBound, "collapse") {
                hidden.insert(.visibilityHidden)
            }
            if ASCII.equalsLower(p, name, "max-height"), let (v, px) = InlineStyle.number(p, value) {
                if v == 0 { hidden.insert(.zeroMaxHeight) }
                if px { maxHeight = Int(v) }
            }
            if ASCII.equalsLower(p, name, "margin-top"), OffScreen.isFarNegative(p, value) { hidden.insert(.offScreen) }
        case 11:
            if ASCII.equalsLower(p, name, "margin-left"), OffScreen.isFarNegative(p, value) { hidden.insert(.offScreen) }
        default:
            break
        }
    }

    /// Leading number of a CSS value and whether its unit is px or absent (a pixel length).
    static func number(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> (Double, Bool)? {
        var i = r.lowerBound
        var v = 0.0
        var digits = 0
        var frac = 0.0
        if i < r.upperBound && p[i] == 0x2B { i += 1 }
        if i < r.upperBound && p[i] == 0x2D { return nil }
        while i < r.upperBound && ASCII.isDigit(p[i]) && digits < 9 { v = v * 10 + Double(p[i] - 0x30); digits += 1; i += 1 }
        if i < r.upperBound && p[i] == 0x2E {
            i += 1
            var scale = 0.1
            while i < r.upperBound && ASCII.isDigit(p[i]) { frac += Double(p[i] - 0x30) * scale; scale /= 10; digits += 1; i += 1 }
        }
        guard digits > 0 else { return nil }
        v += frac
        let unitEnd = i
        var u = i
        while u < r.upperBound && ASCII.isAlpha(p[u]) { u += 1 }
        let unit = unitEnd..<u
        let px = unit.isEmpty ? (u == r.upperBound || ASCII.isHTMLSpace(p[u]) || p[u] == 0x21) : ASCII.equalsLower(p, unit, "px")
        if !unit.isEmpty || px { return (v, px) }
        return (v, false) // e.g. '%': not a pixel size
    }

    /// The value's number is followed by `%`.
    static func isPercent(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i < r.upperBound && (ASCII.isDigit(p[i]) || p[i] == 0x2E || p[i] == 0x2B) { i += 1 }
        return i < r.upperBound && p[i] == 0x25
    }

    /// An HTML `width`/`height` attribute given as a percentage ("100%"): its number, else nil.
    static func attributePercent(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Double? {
        let t = ASCII.trim(p, r)
        guard isPercent(p, t), let (v, _) = number(p, t) else { return nil }
        return v
    }

    /// An HTML `width`/`height` attribute value in pixels ("1", "1px", " 1 "); nil for percentages.
    static func attributePixels(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        let t = ASCII.trim(p, r)
        guard let (v, px) = number(p, t) else { return nil }
        var i = t.lowerBound
        while i < t.upperBound && (ASCII.isDigit(p[i]) || p[i] == 0x2E) { i += 1 }
        if i < t.upperBound && p[i] == 0x25 { return nil }
        return px || i == t.upperBound ? Int(v) : nil
    }
}

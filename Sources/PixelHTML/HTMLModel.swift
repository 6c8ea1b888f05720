// HTMLModel: the values PixelHTML hands to its callers — the fetch vectors, the resources found in a
// document with their exact byte ranges, the element facts the classifier needs, and byte edits.
// Guarantees: every range is a valid range of the scanned buffer; `url` is the decoded URL (character
// references and CSS escapes undone); `removal` and `replacingURL` produce edits that leave valid
// markup/CSS and touch no byte outside the resource's own element/declaration/attribute/candidate.

/// How a mail client would fetch a resource. Raw values are the corpus' vector names.
public enum Vector: String, Sendable, CaseIterable, Codable {
    case img
    case srcset
    case cssInline = "css-inline"
    case cssBlock = "css-block"
    case backgroundAttr = "background-attr"
    case link
    case `import`
    case font
    case vml
    case amp
    case input
    case video
    case other
}

/// One byte edit: replace `range` of the document with `replacement`.
public struct HTMLEdit: Sendable, Equatable, Hashable {
    public var range: Range<Int>
    public var replacement: [UInt8]

    public init(range: Range<Int>, replacement: [UInt8]) {
        self.range = range
        self.replacement = replacement
    }

    /// An edit that deletes `range`.
    public static func delete(_ range: Range<Int>) -> HTMLEdit { HTMLEdit(range: range, replacement: []) }
}

/// Ways an element is rendered invisible by its own attributes or inline style.
public struct HiddenFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let displayNone = HiddenFlags(rawValue: 1 << 0)
    public static let visibilityHidden = HiddenFlags(rawValue: 1 << 1)
    public static let opacityZero = HiddenFlags(rawValue: 1 << 2)
    public static let zeroMaxHeight = HiddenFlags(rawValue: 1 << 3)
    public static let zeroMaxWidth = HiddenFlags(rawValue: 1 << 4)
    public static let zeroHeight = HiddenFlags(rawValue: 1 << 5)
    public static let zeroWidth = HiddenFlags(rawValue: 1 << 6)
    public static let hiddenAttribute = HiddenFlags(rawValue: 1 << 7)
    public static let fontSizeZero = HiddenFlags(rawValue: 1 << 8)
    public static let msoHide = HiddenFlags(rawValue: 1 << 9)
    /// AMP `layout="nodisplay"`.
    public static let noDisplayLayout = HiddenFlags(rawValue: 1 << 10)
    /// A class of the element is hidden by a top-level `<style>` rule (`.preheader { display:none }`).
    public static let hiddenByClass = HiddenFlags(rawValue: 1 << 11)
    /// Moved far out of view: `position` absolute/fixed/relative with a large negative offset
    /// (`left:-9999px`), or a large negative `margin-left`/`margin-top`.
    public static let offScreen = HiddenFlags(rawValue: 1 << 12)
    /// Drawn with no area: `clip: rect(0 0 0 0)` (positioned), `clip-path: inset(50%)` / `circle(0)`,
    /// `transform: scale(0)`.
    public static let clippedAway = HiddenFlags(rawValue: 1 << 13)

    /// Flags that make the element's own box invisible (font-size:0 alone does not hide an image).
    public static let invisible: HiddenFlags = [.displayNone, .visibilityHidden, .opacityZero, .zeroMaxHeight,
                                                .zeroMaxWidth, .zeroHeight, .zeroWidth, .hiddenAttribute,
                                                .msoHide, .noDisplayLayout, .hiddenByClass, .offScreen, .clippedAway]

    /// True when the element's box is not rendered visibly.
    public var hidesBox: Bool { !intersection(.invisible).isEmpty }
}

/// Facts about the element that carries a resource.
public struct ElementInfo: Sendable, Hashable {
    /// Tag name, ASCII lower-cased (e.g. `img`, `v:fill`, `amp-img`, `style`).
    public var tagName: String
    /// The whole start tag, `<` through `>`.
    public var range: Range<Int>
    /// The matching end tag when the element has content and its end tag was found.
    public var endRange: Range<Int>?
    /// Width in CSS pixels from the attribute or the inline style (the style wins), nil when unknown.
    public var width: Int?
    /// Height in CSS pixels from the attribute or the inline style (the style wins), nil when unknown.
    public var height: Int?
    /// How the element hides itself.
    public var hidden: HiddenFlags
    /// An open ancestor hides its content (display:none, visibility:hidden, opacity:0, max-height:0, ...).
    public var inHiddenWrapper: Bool
    /// The decoded `alt` attribute, when present.
    public var alt: String?
    /// Drawn at a percentage of its container (`width:100%`, `width="50%"`): a visible box whatever
    /// its own size (`width`/`height` stay nil for percentages).
    public var relativeSize = false

    public init(tagName: String, range: Range<Int>, endRange: Range<Int>? = nil, width: Int? = nil, height: Int? = nil,
                hidden: HiddenFlags = [], inHiddenWrapper: Bool = false, alt: String? = nil) {
        self.tagName = tagName
        self.range = range
        self.endRange = endRange
        self.width = width
        self.height = height
        self.hidden = hidden
        self.inHiddenWrapper = inHiddenWrapper
        self.alt = alt
    }

    /// The whole element: start tag through end tag when known.
    public var fullRange: Range<Int> {
        if let e = endRange, e.lowerBound >= range.upperBound { return range.lowerBound..<e.upperBound }
        return range
    }
}

/// How a URL is embedded, so that a replacement is escaped for its context.
public enum URLContext: Sendable, Hashable {
    /// An HTML attribute value (quoted or not).
    case attribute
    /// A CSS url()/string inside a `style` attribute: CSS-escaped, then attribute-escaped.
    case cssInAttribute(quoted: Bool)
    /// A CSS url()/string in a `<style>` element (raw text).
    case cssInStyleElement(quoted: Bool)
    /// A JSON string in an `<amp-analytics>` configuration script.
    case json
}

/// One remote (or `cid:`/`data:`) resource a mail client may fetch while displaying the document.
public struct Resource: Sendable, Hashable {
    public var vector: Vector
    /// The decoded URL.
    public var url: String
    /// The raw bytes of this URL in the document (for srcset: this candidate's URL only).
    public var urlRange: Range<Int>
    public var element: ElementInfo
    /// Tokens of the element's own `data-tracking-purpose` attribute; nil when the attribute is absent.
    public var declaredPurposes: [String]?
    /// The edit that removes this resource while leaving valid markup and CSS.
    public var removal: HTMLEdit
    /// How the URL is embedded.
    public var context: URLContext

    public init(vector: Vector, url: String, urlRange: Range<Int>, element: ElementInfo, declaredPurposes: [String]?,
                removal: HTMLEdit, context: URLContext) {
        self.vector = vector
        self.url = url
        self.urlRange = urlRange
        self.element = element
        self.declaredPurposes = declaredPurposes
        self.removal = removal
        self.context = context
    }

    /// The edit that replaces this URL (raw bytes at `urlRange`) with `newURL`, escaped for its context.
    public func replacingURL(with newURL: String) -> HTMLEdit {
        HTMLEdit(range: urlRange, replacement: Escaping.escape(newURL, for: context))
    }
}

/// The result of scanning one HTML document.
public struct HTMLScan: Sendable {
    /// Every resource in document order.
    public var resources: [Resource]
    /// Every `data-tracking-purpose` attribute including its leading whitespace (to strip before sending).
    public var purposeAttributes: [Range<Int>]
    /// Offset of the last `</body>` end tag, nil when absent.
    public var bodyEnd: Int?
    /// Offset of the last `</html>` end tag, nil when absent.
    public var htmlEnd: Int?
    /// The first `<base href>` when it is an absolute http(s) URL: resource URLs are resolved against it.
    public var baseURL: String?

    public init(resources: [Resource] = [], purposeAttributes: [Range<Int>] = [], bodyEnd: Int? = nil, htmlEnd: Int? = nil) {
        self.resources = resources
        self.purposeAttributes = purposeAttributes
        self.bodyEnd = bodyEnd
        self.htmlEnd = htmlEnd
    }
}

// TagKind: classification of tag names and attribute names that PixelHTML cares about, from raw
// bytes without allocating. Contract: case-insensitive ASCII; every other name maps to `.other`.

enum TagKind: UInt8 {
    case other
    case img, input, video, audio, source, track, link, body, iframe, frame, object, embed
    case svgImage, use, feImage
    case vFill, vImagedata, vImage, vBackground
    case ampImg, ampAnim, ampPixel, ampAnalytics, ampVideo, ampIframe
    case style, script, title, textarea, xmp, noembed, noframes, plaintext
    case html
    /// `<base href>`: the document base URL (BaseURL).
    case base

    /// Elements whose content the tokenizer skips as text (RAWTEXT / RCDATA).
    var isRawText: Bool {
        switch self {
        case .style, .script, .title, .textarea, .xmp, .noembed, .noframes, .iframe, .plaintext: return true
        default: return false
        }
    }

    /// Elements that never have content or an end tag.
    var isVoid: Bool {
        switch self {
        case .img, .input, .source, .track, .link, .embed, .base: return true
        default: return false
        }
    }

    static func classify(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> TagKind {
        let s = r.lowerBound
        guard r.count >= 3 else { return .other }
        // First letters of the names below: i u x l b h v a t e f s o p n.
        switch ASCII.lower(p[s]) {
        case 0x69, 0x75, 0x78, 0x6C, 0x62, 0x68, 0x76, 0x61, 0x74, 0x65, 0x66, 0x73, 0x6F, 0x70, 0x6E: break
        default: return .other
        }
        switch r.count {
        case 3:
            if ASCII.matchesLower(p, s, "img") { return .img }
            if ASCII.matchesLower(p, s, "use") { return .use }
            if ASCII.matchesLower(p, s, "xmp") { return .xmp }
        case 4:
            if ASCII.matchesLower(p, s, "link") { return .link }
            if ASCII.matchesLower(p, s, "body") { return .body }
            if ASCII.matchesLower(p, s, "html") { return .html }
            if ASCII.matchesLower(p, s, "base") { return .base }
        case 5:
            if ASCII.matchesLower(p, s, "input") { return .input }
            if ASCII.matchesLower(p, s, "video") { return .video }
            if ASCII.matchesLower(p, s, "audio") { return .audio }
            if ASCII.matchesLower(p, s, "track") { return .track }
            if ASCII.matchesLower(p, s, "frame") { return .frame }
            if ASCII.matchesLower(p, s, "embed") { return .embed }
            if ASCII.matchesLower(p, s, "image") { return .svgImage }
            if ASCII.matchesLower(p, s, "style") { return .style }
            if ASCII.matchesLower(p, s, "title") { return .title }
        case 6:
            if ASCII.matchesLower(p, s, "source") { return .source }
            if ASCII.matchesLower(p, s, "iframe") { return .iframe }
            if ASCII.matchesLower(p, s, "object") { return .object }
            if ASCII.matchesLower(p, s, "script") { return .script }
            if ASCII.matchesLower(p, s, "v:fill") { return .vFill }
        case 7:
            if ASCII.matchesLower(p, s, "v:image") { return .vImage }
            if ASCII.matchesLower(p, s, "feimage") { return .feImage }
            if ASCII.matchesLower(p, s, "amp-img") { return .ampImg }
            if ASCII.matchesLower(p, s, "noembed") { return .noembed }
        case 8:
            if ASCII.matchesLower(p, s, "textarea") { return .textarea }
            if ASCII.matchesLower(p, s, "amp-anim") { return .ampAnim }
            if ASCII.matchesLower(p, s, "noframes") { return .noframes }
        case 9:
            if ASCII.matchesLower(p, s, "amp-pixel") { return .ampPixel }
            if ASCII.matchesLower(p, s, "amp-video") { return .ampVideo }
            if ASCII.matchesLower(p, s, "plaintext") { return .plaintext }
        case 10:
            if ASCII.matchesLower(p, s, "amp-iframe") { return .ampIframe }
        case 11:
            if ASCII.matchesLower(p, s, "v:imagedata") { return .vImagedata }
        case 12:
            if ASCII.matchesLower(p, s, "v:background") { return .vBackground }
        case 13:
            if ASCII.matchesLower(p, s, "amp-analytics") { return .ampAnalytics }
        default:
            break
        }
        return .other
    }
}

/// Attributes PixelHTML reads. Raw values index `TagParser.attrs`.
enum AttrKind: Int, CaseIterable {
    case src, srcset, style, background, href, xlinkHref, poster, data, hidden, width, height, alt, type, rel
    case layout, config, purpose, `class`

    static let count = AttrKind.allCases.count

    static func classify(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> AttrKind? {
        let s = r.lowerBound
        guard r.count >= 3 else { return nil }
        // First letters of the names below: s a r h d t w c b x p l.
        switch ASCII.lower(p[s]) {
        case 0x73, 0x61, 0x72, 0x68, 0x64, 0x74, 0x77, 0x63, 0x62, 0x78, 0x70, 0x6C: break
        default: return nil
        }
        switch r.count {
        case 3:
            if ASCII.matchesLower(p, s, "src") { return .src }
            if ASCII.matchesLower(p, s, "alt") { return .alt }
            if ASCII.matchesLower(p, s, "rel") { return .rel }
        case 4:
            if ASCII.matchesLower(p, s, "href") { return .href }
            if ASCII.matchesLower(p, s, "data") { return .data }
            if ASCII.matchesLower(p, s, "type") { return .type }
        case 5:
            if ASCII.matchesLower(p, s, "style") { return .style }
            if ASCII.matchesLower(p, s, "width") { return .width }
            if ASCII.matchesLower(p, s, "class") { return .class }
        case 6:
            if ASCII.matchesLower(p, s, "srcset") { return .srcset }
            if ASCII.matchesLower(p, s, "hidden") { return .hidden }
            if ASCII.matchesLower(p, s, "height") { return .height }
            if ASCII.matchesLower(p, s, "poster") { return .poster }
            if ASCII.matchesLower(p, s, "layout") { return .layout }
            if ASCII.matchesLower(p, s, "config") { return .config }
        case 10:
            if ASCII.matchesLower(p, s, "background") { return .background }
            if ASCII.matchesLower(p, s, "xlink:href") { return .xlinkHref }
        case 21:
            if ASCII.matchesLower(p, s, "data-tracking-purpose") { return .purpose }
        default:
            break
        }
        return nil
    }
}

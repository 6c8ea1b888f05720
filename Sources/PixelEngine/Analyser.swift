// Analyser: DESIGN "Data path" step 4. Parses the MIME structure once, decodes every text/html and
// text/x-amp-html leaf that is not inside a message/rfc822 part, scans it, and classifies every
// resource (tracker when the classifier gives evidence, content otherwise). Purposes follow the
// DESIGN order (attribute > Tracking-Purposes > config rule > unspecified); an anonymous_statistics
// claim is verified against every recipient of the message and the campaign registry.
// Guarantees: a limit exceeded (MIME limits, `max_html_part`), an undecodable transfer encoding or
// a charset that is not ASCII-compatible on an HTML part throws `EngineFailure.unparseable`; other
// malformed input is analysed leniently and noted. Body text/plain leaves are located for the footer.
import Foundation
import PixelHTML
import PixelMIME
import PixelPolicy

struct Analyser {
    let settings: EngineSettings
    let classifier: TrackerClassifier
    let campaigns: any CampaignRegistry

    func analyse(_ buffer: UnsafeRawBufferPointer, recipients: [String]) throws(EngineFailure) -> Analysis {
        let message: MIMEMessage
        do {
            message = try MIMEParser.parse(buffer, limits: settings.mimeLimits)
        } catch {
            throw .unparseable(error.description)
        }
        let headers = TrackingHeaders(message.root)
        var notes = message.defects.map { "mime: \($0)" }
        var htmlLeaves: [ScannedLeaf] = []
        var textLeaves: [TextLeaf] = []
        for (index, part) in message.leaves().enumerated() where !part.isMessageRFC822 && part.contentType.type == "text" {
            let charset = part.contentType.charset ?? "us-ascii"
            switch part.contentType.subtype {
            case "html", "x-amp-html":
                htmlLeaves.append(try scanLeaf(index: index, part: part, charset: charset, buffer: buffer))
            case "plain" where !Self.isAttachment(part):
                guard Charset.isASCIICompatible(charset), Self.isDecodable(part.transferEncoding) else { continue }
                textLeaves.append(TextLeaf(leafIndex: index, part: part, charset: charset))
            default:
                continue
            }
        }
        var trackers: [Tracker] = []
        var content: [ContentResource] = []
        for (li, leaf) in htmlLeaves.enumerated() {
            for (ri, r) in leaf.scan.resources.enumerated() {
                let evidence = classifier.evidence(for: r, recipients: recipients)
                if evidence.isEmpty {
                    content.append(ContentResource(htmlLeaf: li, resource: r))
                    continue
                }
                let rule = settings.rules.first { $0.urlRule.matches(r.url) }
                let attribution = PurposeAttribution.attribute(attributeTokens: r.declaredPurposes, header: headers.purposes, rule: rule?.purposes)
                var refused: AnonymousStatisticsFailure? = nil
                if attribution.purposes.contains(.known(.anonymousStatistics)) {
                    let form = recipients.lazy.compactMap { RecipientIdentifier.find(in: r.url, address: $0) }.first
                    if case .refused(let why) = AnonymousStatisticsVerifier.verify(url: r.url, campaign: headers.campaign, identifierForm: form, registry: campaigns) {
                        refused = why
                        notes.append("anonymous_statistics claim refused for \(r.url): \(why)")
                    }
                }
                trackers.append(Tracker(htmlLeaf: li, resourceIndex: ri, resource: r, evidence: evidence, attribution: attribution,
                                        policy: PolicyTracker(purposes: attribution.purposes, refusedClaim: refused)))
            }
        }
        return Analysis(message: message, htmlLeaves: htmlLeaves, textLeaves: textLeaves, trackers: trackers, content: content,
                        campaign: headers.campaign, headerPurposes: headers.purposes, trackingHeaderNames: headers.names,
                        messageID: headers.messageID, notes: notes)
    }

    private func scanLeaf(index: Int, part: MIMEPart, charset: String, buffer: UnsafeRawBufferPointer) throws(EngineFailure) -> ScannedLeaf {
        let what = "\(part.contentType.mimeType) part \(index)"
        guard Self.isDecodable(part.transferEncoding) else {
            throw .unparseable("\(what) has an unknown transfer encoding \(part.transferEncoding)")
        }
        guard Charset.isASCIICompatible(charset) else {
            throw .unparseable("\(what) uses charset \(charset), which is not ASCII-compatible")
        }
        // Quoted-printable at most triples the size: refuse early without decoding a huge part.
        guard part.bodyRange.count / 3 <= settings.maxHTMLPart else {
            throw .unparseable("\(what) is larger than max_html_part (\(settings.maxHTMLPart) octets)")
        }
        let decoded = TransferCodec.decodeBody(of: part, in: buffer).bytes
        guard decoded.count <= settings.maxHTMLPart else {
            throw .unparseable("\(what) is larger than max_html_part (\(settings.maxHTMLPart) octets)")
        }
        let scan = decoded.withUnsafeBytes { HTMLScanner.scan($0) }
        return ScannedLeaf(leafIndex: index, part: part, decoded: decoded, scan: scan, charset: charset,
                           isAMP: part.contentType.subtype == "x-amp-html")
    }

    static func isDecodable(_ e: TransferEncoding) -> Bool {
        if case .other = e { return false }
        return true
    }

    /// An attachment: `Content-Disposition: attachment`, or a file name without an inline disposition.
    static func isAttachment(_ part: MIMEPart) -> Bool {
        switch part.disposition?.kind {
        case .attachment?: return true
        case .inline?: return false
        default: return part.filename != nil
        }
    }
}

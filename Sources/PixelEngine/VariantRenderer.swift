// VariantRenderer: DESIGN "Data path" step 6 for one variant. From the analysis and one decision it
// builds the outgoing message as chunks: removed trackers go (PixelHTML's removal edits), kept
// consent-based trackers point to the gate, `data-tracking-purpose` attributes are stripped, the
// footer goes before `</body>` (else before `</html>`, else at the end) and at the end of each body
// text/plain part, modified leaves are re-encoded in their own transfer encoding and charset, and
// the top-level `Tracking-*` headers are dropped. HTML edits go to MIMERewriter as edits of the
// decoded leaf, so a quoted-printable leaf has only its touched encoded lines re-encoded (QPSplice).
// Guarantees: every other byte is copied from the input by range; an HTML leaf with no edit and a
// text leaf without footer are not touched; exempt trackers are kept byte for byte.
import Foundation
import PixelHTML
import PixelMIME
import PixelPolicy

struct VariantRenderer {
    let settings: EngineSettings
    let links: PolicyLinks

    func render(_ analysis: Analysis, message buffer: UnsafeRawBufferPointer, recipient: String, decision: Decision) throws(EngineFailure) -> [OutChunk] {
        let footer = footerFor(decision, analysis: analysis, recipient: recipient)
        var replacements: [Int: [UInt8]] = [:]
        var spliced: [(leaf: ScannedLeaf, edits: [DecodedEdit])] = []
        for (li, leaf) in analysis.htmlLeaves.enumerated() {
            var edits: [HTMLEdit] = leaf.scan.purposeAttributes.map { HTMLEdit.delete($0) }
            for (ti, t) in analysis.trackers.enumerated() where t.htmlLeaf == li {
                switch decision.dispositions[ti] {
                case .keptExempt:
                    continue
                case .gated:
                    let purposes = (t.policy.knownPurposes ?? []).filter { !$0.isExempt }
                    let gate = links.gate(recipient: recipient, purposes: purposes, url: t.url, campaign: analysis.campaign)
                    edits.append(t.resource.replacingURL(with: gate))
                case .removed:
                    edits.append(t.resource.removal)
                }
            }
            if let footer {
                let at = leaf.scan.bodyEnd ?? leaf.scan.htmlEnd ?? leaf.decoded.count
                edits.append(HTMLEdit(range: at..<at, replacement: Charset.encode(text: footer.html, charset: Self.insertionCharset(leaf.part, leaf.charset))))
            }
            if edits.isEmpty { continue }
            // The kept edits, sorted and non-overlapping: spliced into the encoded leaf (only the
            // touched quoted-printable lines are re-encoded; other encodings re-encode the leaf).
            let kept = HTMLRewriter.normalize(edits, count: leaf.decoded.count)
            spliced.append((leaf, kept.map { DecodedEdit(range: $0.range, bytes: $0.replacement) }))
        }
        if let footer {
            for leaf in analysis.textLeaves {
                let decoded = TransferCodec.decodeBody(of: leaf.part, in: buffer).bytes
                replacements[leaf.leafIndex] = Self.appendText(footer.text, to: decoded, charset: Self.insertionCharset(leaf.part, leaf.charset))
            }
        }
        do {
            var rewriter = MIMERewriter(message: analysis.message)
            rewriter.removeTopLevelHeaders(names: analysis.trackingHeaderNames)
            for (leaf, edits) in spliced {
                try rewriter.replaceLeaf(leaf.leafIndex, in: buffer, originalDecoded: leaf.decoded, edits: edits)
            }
            for leaf in replacements.keys.sorted() { let body = replacements[leaf]!; try rewriter.replaceLeaf(leaf, decodedBody: body) }
            return rewriter.chunks()
        } catch {
            throw .unparseable("rewrite failed: \(error)")
        }
    }

    /// The footer for this decision, or nil.
    func footerFor(_ decision: Decision, analysis: Analysis, recipient: String) -> RenderedFooter? {
        let linksForFooter: FooterLinks
        switch decision.footer {
        case .none: return nil
        case .withdraw:
            linksForFooter = FooterLinks(withdrawURL: links.withdraw(recipient: recipient, purposes: decision.gatedPurposes, campaign: analysis.campaign),
                                         preferencesURL: links.preferences(recipient: recipient, campaign: analysis.campaign))
        case .ask:
            linksForFooter = FooterLinks(preferencesURL: links.preferences(recipient: recipient, campaign: analysis.campaign))
        }
        return FooterRenderer.render(decision.footer, templates: settings.footer, purposes: decision.gatedPurposes, links: linksForFooter)
    }

    /// The charset inserted text is written in: the part's own, except that a 7bit part gets pure
    /// ASCII (references / approximations) so that it stays 7bit instead of switching to QP.
    static func insertionCharset(_ part: MIMEPart, _ charset: String) -> String {
        part.transferEncoding == .sevenBit ? "us-ascii" : charset
    }

    /// Appends `text` ("\n" line ends) to a text body, in the body's line ending and charset, after a
    /// line break when the body does not end with one.
    static func appendText(_ text: String, to body: [UInt8], charset: String) -> [UInt8] {
        let crlf = body.isEmpty || body.firstIndex(of: 10).map { $0 > 0 && body[$0 - 1] == 13 } ?? true
        let t = crlf ? Self.crlfLineEnds(text) : text
        var out = body
        if let last = body.last, last != 10 { out += crlf ? [13, 10] : [10] }
        out += Charset.encodePlainText(text: t, charset: charset)
        return out
    }

    /// Every LF not already after a CR becomes CRLF (a lone CR stays): the line ends are found with
    /// `memchr` and the text between them copied in runs (Foundation's replacingOccurrences, used
    /// before, and then a byte loop were each a visible share of relay CPU).
    static func crlfLineEnds(_ text: String) -> String {
        var text = text
        return text.withUTF8 { t in
            var out: [UInt8] = []
            out.reserveCapacity(t.count + 64)
            var start = 0
            while let lf = ByteScan.firstIndex(of: 10, in: t, from: start) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: t[start..<lf]))
                if lf == 0 || t[lf - 1] != 13 { out.append(13) }
                out.append(10)
                start = lf + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[start...]))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

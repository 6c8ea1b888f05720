// PageRenderer: the HTML of the withdrawal, preferences, confirmation and error pages.
// Guarantees: every inserted value goes through `escape`; pages load nothing (inline style only, no
// script, no image, no font) so they satisfy the CSP; rendering is a pure function of its
// arguments (no clock, no randomness), so a POST can re-render the exact page a GET showed and hash
// it (evidence `page_sha256`). The two "all" buttons share one class: equal weight.
import Foundation
import PixelPolicy

enum PageRenderer {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let style = """
    body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}\
    fieldset.purpose{border:1px solid #bbb;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}\
    legend{font-weight:bold}.summary{margin:.25rem 0}.choices label{margin-right:1.5rem}\
    .buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}\
    button{font-size:1rem;padding:.6rem 1.2rem;border:2px solid #234;border-radius:6px;background:#fff;color:#234;cursor:pointer}\
    button.all{min-width:12rem}button:focus{outline:3px solid #f90}\
    #confirmation{border-left:4px solid #2a7;padding-left:1rem}
    """

    static func layout(_ lang: FooterLanguage, title: String, body: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"\(lang.rawValue)\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(escape(title))</title><style>\(style)</style></head><body>\n"
            + "<h1>\(escape(title))</h1>\n\(body)</body></html>\n"
    }

    static func withdrawPage(token: String, recipient: String, purposes: [Purpose], nonce: String, lang: FooterLanguage) -> String {
        let t = PageText.of(lang)
        var b = "<p>\(escape(t.withdrawIntro(recipient)))</p>\n<ul id=\"purposes\">\n"
        for p in purposes {
            let pt = t.purpose(p)
            b += "<li data-purpose=\"\(escape(p.id))\"><strong>\(escape(pt.title))</strong> : \(escape(pt.summary))</li>\n"
        }
        b += "</ul>\n<p>\(escape(t.withdrawExplain))</p>\n"
        b += "<form method=\"post\" action=\"/w/\(escape(token))\">"
        b += "<input type=\"hidden\" name=\"nonce\" value=\"\(escape(nonce))\">"
        b += "<button type=\"submit\" id=\"withdraw\">\(escape(t.withdrawButton))</button></form>\n"
        return layout(lang, title: t.withdrawTitle, body: b)
    }

    static func withdrawnPage(purposes: [Purpose], lang: FooterLanguage) -> String {
        let t = PageText.of(lang)
        var b = "<div id=\"confirmation\"><p>\(escape(t.withdrawnIntro))</p><ul>\n"
        for p in purposes {
            b += "<li data-purpose=\"\(escape(p.id))\" data-state=\"refused\">\(escape(t.purpose(p).title)) : \(escape(t.refused))</li>\n"
        }
        b += "</ul></div>\n"
        return layout(lang, title: t.withdrawnTitle, body: b)
    }

    static func preferencesPage(token: String, recipient: String, shown: [Purpose: Bool], actors: [String],
                                policyURL: String, nonce: String, lang: FooterLanguage) -> String {
        let t = PageText.of(lang)
        var b = "<p>\(escape(t.preferencesIntro(recipient)))</p>\n"
        b += "<form method=\"post\" action=\"/p/\(escape(token))\">\n"
        b += "<input type=\"hidden\" name=\"nonce\" value=\"\(escape(nonce))\">\n"
        for p in Purpose.consentable {
            let pt = t.purpose(p)
            let on = shown[p] == true
            let id = escape(p.id)
            b += "<fieldset class=\"purpose\" data-purpose=\"\(id)\"><legend>\(escape(pt.title))</legend>\n"
            b += "<p class=\"summary\">\(escape(pt.summary))</p>\n"
            b += "<details><summary>\(escape(t.moreDetail))</summary><p>\(escape(pt.detail))</p></details>\n"
            b += "<div class=\"choices\">"
            b += "<label><input type=\"radio\" name=\"\(id)\" value=\"grant\"\(on ? " checked" : "")> \(escape(t.grant))</label>"
            b += "<label><input type=\"radio\" name=\"\(id)\" value=\"refuse\"\(on ? "" : " checked")> \(escape(t.refuse))</label>"
            b += "</div></fieldset>\n"
        }
        b += "<div class=\"buttons\">"
        b += "<button type=\"submit\" name=\"action\" value=\"accept_all\" id=\"accept-all\" class=\"all\">\(escape(t.acceptAll))</button>"
        b += "<button type=\"submit\" name=\"action\" value=\"refuse_all\" id=\"refuse-all\" class=\"all\">\(escape(t.refuseAll))</button>"
        b += "<button type=\"submit\" name=\"action\" value=\"save\" id=\"save\">\(escape(t.save))</button>"
        b += "</div></form>\n"
        b += "<h2>\(escape(t.actorsHeading))</h2>\n<ul id=\"actors\">\n"
        for a in actors { b += "<li>\(escape(a))</li>\n" }
        b += "</ul>\n"
        if !policyURL.isEmpty {
            b += "<p><a id=\"policy\" href=\"\(escape(policyURL))\">\(escape(t.policyLink))</a></p>\n"
        }
        return layout(lang, title: t.preferencesTitle, body: b)
    }

    static func savedPage(state: [Purpose: Bool], lang: FooterLanguage) -> String {
        let t = PageText.of(lang)
        var b = "<div id=\"confirmation\"><p>\(escape(t.savedIntro))</p><ul>\n"
        for p in Purpose.consentable {
            let on = state[p] == true
            b += "<li data-purpose=\"\(escape(p.id))\" data-state=\"\(on ? "granted" : "refused")\">"
            b += "\(escape(t.purpose(p).title)) : \(escape(on ? t.granted : t.refused))</li>\n"
        }
        b += "</ul></div>\n"
        return layout(lang, title: t.savedTitle, body: b)
    }

    static func message(title: String, text: String, lang: FooterLanguage) -> String {
        layout(lang, title: title, body: "<p id=\"message\">\(escape(text))</p>\n")
    }
}

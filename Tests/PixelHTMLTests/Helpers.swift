// Helpers for PixelHTML tests: scan a string, apply edits, list (vector, url) pairs.
@testable import PixelHTML

func scanOf(_ html: String) -> HTMLScan { HTMLScanner.scan(Array(html.utf8)) }

func pairs(_ html: String) -> [String] { scanOf(html).resources.map { "\($0.vector.rawValue) \($0.url)" } }

func applied(_ html: String, _ edits: [HTMLEdit]) -> String {
    String(decoding: HTMLRewriter.apply(Array(html.utf8), edits: edits), as: UTF8.self)
}

/// The document with resource `index` removed.
func removing(_ html: String, _ index: Int) -> String {
    let s = scanOf(html)
    return applied(html, [s.resources[index].removal])
}

/// The document with resource `index`'s URL replaced.
func replacing(_ html: String, _ index: Int, with url: String) -> String {
    let s = scanOf(html)
    return applied(html, [s.resources[index].replacingURL(with: url)])
}

/// Raw text of a resource's URL range.
func rawURL(_ html: String, _ r: Resource) -> String {
    String(decoding: Array(html.utf8)[r.urlRange], as: UTF8.self)
}

// TraceQueueID: finds the sending Postfix's queue id in the message's topmost Received header
// ("... by host (Postfix) with ESMTP id 4ABC123DEF; date" or "by host (Postfix, from userid 0)
// id 4ABC123DEF; date"), for `queue_id=` in the log when the client sent no XFORWARD IDENT
// (Postfix sends IDENT only for mail that itself arrived with one). Contract: reads at most
// `maxScan` bytes of the header section; only a Received header naming Postfix counts; the id is
// 6-20 characters of [0-9A-Za-z].
public enum TraceQueueID {
    public static func postfixQueueID(in message: UnsafeRawBufferPointer, maxScan: Int = 16 * 1024) -> String? {
        let limit = min(message.count, maxScan)
        var i = 0
        // Find the first header line named Received (case-insensitive) in the header section.
        while i < limit {
            if message[i] == 13 || message[i] == 10 { return nil }  // end of headers
            var j = i
            while j < limit && message[j] != 10 { j += 1 }
            if j - i > receivedName.count, startsWithReceived(message, at: i) {
                // Gather the folded header value.
                var value: [UInt8] = Array(message[i..<j])
                var k = j + 1
                while k < limit && (message[k] == 32 || message[k] == 9) {
                    var e = k
                    while e < limit && message[e] != 10 { e += 1 }
                    value.append(32)
                    value.append(contentsOf: message[k..<e])
                    k = e + 1
                }
                return extract(String(decoding: value, as: UTF8.self))
            }
            i = j + 1
        }
        return nil
    }

    /// "received:" in lower case (a colon stays a colon under `| 0x20`).
    private static let receivedName: [UInt8] = Array("received:".utf8)

    private static func startsWithReceived(_ message: UnsafeRawBufferPointer, at i: Int) -> Bool {
        for k in 0..<receivedName.count where message[i + k] | 0x20 != receivedName[k] { return false }
        return true
    }

    static func extract(_ header: String) -> String? {
        guard header.contains("(Postfix") else { return nil }
        let words = header.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        guard let at = words.firstIndex(of: "id"), at + 1 < words.count else { return nil }
        var id = words[at + 1]
        if id.hasSuffix(";") { id = id.dropLast() }
        guard (6...20).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return String(id)
    }
}

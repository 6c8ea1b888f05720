// DeliveryEncoding: how a DeliveryRecord's lists are written to the `deliveries` table (JSON text),
// the same for every SQL backend.
// Contract: `kept`/`removed` are JSON arrays of {url, vector, purposes}; consent_event_ids is a JSON
// array of integers. Encoding never fails for these types (a failure would be a programming error
// and yields "[]" rather than a crash).
import Foundation
import PixelPolicy

enum DeliveryEncoding {
    /// `[{"purposes":[…],"url":…,"vector":…},…]`: the bytes JSONEncoder wrote with sorted keys and
    /// unescaped slashes, built directly (this runs for every delivered recipient).
    static func json(_ value: [TrackerRecord]) -> String {
        if value.isEmpty { return "[]" }
        var out: [UInt8] = [0x5B]
        for (i, r) in value.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"purposes":["#.utf8)
            for (j, p) in r.purposes.enumerated() {
                if j > 0 { out.append(0x2C) }
                appendString(p, &out)
            }
            out.append(contentsOf: #"],"url":"#.utf8)
            appendString(r.url, &out)
            out.append(contentsOf: #","vector":"#.utf8)
            appendString(r.vector, &out)
            out.append(0x7D)
        }
        out.append(0x5D)
        return String(decoding: out, as: UTF8.self)
    }

    /// `[1,2,3]`.
    static func json(_ value: [Int64]) -> String {
        "[" + value.map { String($0) }.joined(separator: ",") + "]"
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string as JSONEncoder writes it: `"` `\` and control characters escaped, the rest raw.
    private static func appendString(_ s: String, _ out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22, 0x5C: out.append(0x5C); out.append(b)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0x0F)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// The JSONEncoder path, kept for the agreement test.
    static func foundationJSON<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let d = try? enc.encode(value) else { return "[]" }
        return String(decoding: d, as: UTF8.self)
    }

    /// The column values of one record, in table order after `at`:
    /// message_id, queue_id, recipient, kept, removed, consent_event_ids, footer, upstream_reply.
    static func columns(_ r: DeliveryRecord) -> (at: Int64, messageID: String?, queueID: String?, recipient: String,
                                                   kept: String, removed: String, eventIDs: String, footer: String, reply: String) {
        (TimeFormat.millis(r.time), r.messageID, r.queueID, r.recipient, json(r.kept), json(r.removed),
         json(r.consentEventIDs), r.footer, r.upstreamReply)
    }

    /// Rebuilds a record from its columns (the inverse of `columns`); unreadable JSON gives [].
    static func record(at: Int64, messageID: String?, queueID: String?, recipient: String, kept: String, removed: String,
                       eventIDs: String, footer: String, reply: String) -> DeliveryRecord {
        let dec = JSONDecoder()
        return DeliveryRecord(time: Date(timeIntervalSince1970: Double(at) / 1000), messageID: messageID, queueID: queueID,
                              recipient: recipient,
                              kept: (try? dec.decode([TrackerRecord].self, from: Data(kept.utf8))) ?? [],
                              removed: (try? dec.decode([TrackerRecord].self, from: Data(removed.utf8))) ?? [],
                              consentEventIDs: (try? dec.decode([Int64].self, from: Data(eventIDs.utf8))) ?? [],
                              footer: footer, upstreamReply: reply)
    }

    static let selectColumns = "at, message_id, queue_id, recipient, kept, removed, consent_event_ids, footer, upstream_reply"
}

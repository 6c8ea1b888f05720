// DeliveryEncoding: how a DeliveryRecord's lists are written to the `deliveries` table (JSON text),
// the same for every SQL backend.
// Contract: `kept`/`removed` are JSON arrays of {url, vector, purposes}; consent_event_ids is a JSON
// array of integers. Encoding never fails for these types (a failure would be a programming error
// and yields "[]" rather than a crash).
import Foundation
import PixelPolicy

enum DeliveryEncoding {
    static func json<T: Encodable>(_ value: T) -> String {
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

// EvidenceText: a short stable text for each kind of tracker evidence, for `scan` and the logs.
import PixelHTML

public enum EvidenceText {
    public static func describe(_ e: Evidence) -> String {
        e.description
    }
}

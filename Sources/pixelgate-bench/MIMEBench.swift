// MIMEBench: placeholder until its issue lands.
import Foundation

enum MIMEBench {
    static func run(_ args: [String]) {
        FileHandle.standardError.write(Data("mime benchmark not built yet\n".utf8))
        exit(2)
    }
}

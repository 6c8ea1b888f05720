// HTMLBench: placeholder until its issue lands.
import Foundation

enum HTMLBench {
    static func run(_ args: [String]) {
        FileHandle.standardError.write(Data("html benchmark not built yet\n".utf8))
        exit(2)
    }
}

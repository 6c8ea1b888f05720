// StoreBench: placeholder until its issue lands.
import Foundation

enum StoreBench {
    static func run(_ args: [String]) {
        FileHandle.standardError.write(Data("store benchmark not built yet\n".utf8))
        exit(2)
    }
}

// Spool: holds one DATA body while it is read: in memory up to a limit, then in an unlinked temp
// file in the state directory, mapped read-only (mmap) to hand the planner one contiguous buffer.
// Contract: memory per session stays under the limit plus one read buffer; the temp file has no
// name once created (unlinked at once) and disappears with the descriptor; write failures are
// recorded (`failure`) instead of thrown, so the DATA reader can keep consuming to the terminator.
import Foundation
import PixelNet

public final class Spool {
    public enum Failure: Error, Sendable, Equatable {
        case io(String)
    }

    private let memoryLimit: Int
    private let directory: String
    private var memory: [UInt8] = []
    private var fd: Int32 = -1
    private var mapped: UnsafeMutableRawPointer?
    public private(set) var count = 0
    public private(set) var failure: Failure?

    public init(memoryLimit: Int, directory: String) {
        self.memoryLimit = max(0, memoryLimit)
        self.directory = directory
    }

    deinit { close() }

    /// Unmaps and drops the body now (idempotent); `withBytes` fails afterwards.
    public func close() {
        if let mapped { munmap(mapped, count) }
        mapped = nil
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
        memory = []
        if failure == nil { failure = .io("spool closed") }
    }

    /// True once the body went to a file.
    public var isOnDisk: Bool { fd >= 0 }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        precondition(mapped == nil, "append after finish")
        if fd < 0 && memory.count + bytes.count <= memoryLimit {
            memory.append(contentsOf: bytes)
            count += bytes.count
            return
        }
        if fd < 0 {
            guard openFile() else { return }
            let moved = memory
            memory = []
            moved.withUnsafeBytes { writeAll($0) }
        }
        writeAll(bytes)
        if failure == nil { count += bytes.count }
    }

    private func openFile() -> Bool {
        var template = Array((directory + "/spool.XXXXXX").utf8CString)
        let f = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard f >= 0 else { failure = .io("cannot create spool file in \(directory): \(String(cString: strerror(errno)))"); return false }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        fd = f
        return true
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .io("spool write: \(String(cString: strerror(errno)))")
                return
            }
            off += n
        }
    }

    /// Calls `body` with the whole spooled message as one buffer.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if let failure { throw failure }
        if fd < 0 { return try memory.withUnsafeBytes(body) }
        if mapped == nil && count > 0 {
            let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else { throw Failure.io("spool mmap: \(String(cString: strerror(errno)))") }
            mapped = p
        }
        return try body(UnsafeRawBufferPointer(start: mapped.map { UnsafeRawPointer($0) }, count: count))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error writing an output file: the path, the operation and the `errno` text.
public struct ReportIOError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    init(_ path: String, _ operation: String, errno code: Int32 = errno) {
        self.path = path
        self.message = "\(operation): \(String(cString: strerror(code)))"
    }

    init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// A buffered, append-only output file (C stdio underneath) that counts the bytes written.
final class FileSink {
    let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    /// Bytes written so far (buffered ones included): the absolute offset of the next byte.
    private(set) var offset: Int64 = 0

    /// Creates (truncates) `path`.
    /// - Throws: `ReportIOError` when the file cannot be created.
    init(path: String) throws {
        self.path = path
        guard let f = fopen(path, "wb") else { throw ReportIOError(path, "create") }
        file = f
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit {
        if let f = file { fclose(f) }
    }

    func write(_ bytes: some Collection<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        offset += Int64(bytes.count)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends a string's UTF-8 bytes.
    func write(_ string: String) throws {
        var s = string
        try s.withUTF8 { try write($0) }
    }

    /// Appends bytes built by `body` directly in the buffer (no intermediate array).
    func append(_ body: (inout [UInt8]) -> Void) throws {
        let before = buffer.count
        body(&buffer)
        offset += Int64(buffer.count - before)
        if buffer.count >= flushThreshold { try flush() }
    }

    func flush() throws {
        guard let f = file else { throw ReportIOError(path: path, message: "write after close") }
        if !buffer.isEmpty {
            let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            if n != buffer.count { throw ReportIOError(path, "write") }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Flushes and closes the file. Safe to call twice.
    func close() throws {
        guard let f = file else { return }
        defer { file = nil }
        do { try flush() } catch { fclose(f); throw error }
        if fclose(f) != 0 { throw ReportIOError(path, "close") }
    }
}

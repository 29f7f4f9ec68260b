/// Detection order is `LogFormat.allCases` order; the first decoder that claims a line wins.
/// Detects the format of a file from its first decodable lines.
public enum FormatDetector {
    /// The number of leading lines and bytes looked at.
    public static let maxLines = 64
    public static let maxBytes = 16 << 20

    /// - Returns: the detected format (nil = unknown) and the compression.
    /// - Throws: `IngestError` when the file cannot be read.
    public static func detect(path: String, forced: LogFormat?) throws(IngestError) -> (LogFormat?, Compression) {
        var found: LogFormat? = forced
        let context = DecoderContext(path: path)
        let compression = try LineReader.peekLines(path: path, maxLines: maxLines, maxBytes: maxBytes) { line in
            if found != nil { return false }
            guard case .success(let root) = JSONDocument.parse(line) else { return true }
            for f in LogFormat.allCases where f.detects(root, context: context) {
                found = f
                return false
            }
            return true
        }
        return (found, compression)
    }
}


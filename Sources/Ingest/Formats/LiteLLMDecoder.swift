/// Placeholder: the LiteLLM decoder (to be written).
public struct LiteLLMDecoder: LogDecoder {
    public let context: DecoderContext

    public init(context: DecoderContext) { self.context = context }

    public static func detects(_ root: JSONValue, context: DecoderContext) -> Bool { false }

    public mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition {
        .ignored
    }

    public mutating func finish(into batch: inout EventBatch) {}
}

/// The registry of log formats: one case per decoder, one file per decoder under `Formats/`.
///
/// `--format NAME` takes these raw values; detection tries them in declaration order on the
/// first decodable lines of a file (`FormatDetector`).
public enum LogFormat: String, CaseIterable, Sendable, Hashable {
    case litellm
    case kong
    case bedrock
    case otel
    case claudeCode = "claude_code"
    case codex
    case envoy
    case azureAPIM = "azure_apim"
    case azureOpenAI = "azure_openai"
    case geminiCLI = "gemini_cli"
    case geminiCLITelemetry = "gemini_cli_telemetry"

    /// A fresh decoder for one file.
    public func makeDecoder(context: DecoderContext) -> any LogDecoder {
        switch self {
        case .litellm: LiteLLMDecoder(context: context)
        case .kong: KongDecoder(context: context)
        case .bedrock: BedrockDecoder(context: context)
        case .otel: OTelDecoder(context: context)
        case .claudeCode: ClaudeCodeDecoder(context: context)
        case .codex: CodexDecoder(context: context)
        case .envoy: EnvoyDecoder(context: context)
        case .azureAPIM: AzureAPIMDecoder(context: context)
        case .azureOpenAI: AzureOpenAIDecoder(context: context)
        case .geminiCLI: GeminiCLIDecoder(context: context)
        case .geminiCLITelemetry: GeminiCLITelemetryDecoder(context: context)
        }
    }

    /// True when `root` (one valid JSON line of the file at `context.path`) looks like this format.
    public func detects(_ root: JSONValue, context: DecoderContext) -> Bool {
        switch self {
        case .litellm: LiteLLMDecoder.detects(root, context: context)
        case .kong: KongDecoder.detects(root, context: context)
        case .bedrock: BedrockDecoder.detects(root, context: context)
        case .otel: OTelDecoder.detects(root, context: context)
        case .claudeCode: ClaudeCodeDecoder.detects(root, context: context)
        case .codex: CodexDecoder.detects(root, context: context)
        case .envoy: EnvoyDecoder.detects(root, context: context)
        case .azureAPIM: AzureAPIMDecoder.detects(root, context: context)
        case .azureOpenAI: AzureOpenAIDecoder.detects(root, context: context)
        case .geminiCLI: GeminiCLIDecoder.detects(root, context: context)
        case .geminiCLITelemetry: GeminiCLITelemetryDecoder.detects(root, context: context)
        }
    }
}

/// What a decoder knows about the file it reads.
public struct DecoderContext: Sendable {
    /// The path as given or found (used e.g. for Claude Code `subagents/` files).
    public var path: String

    public init(path: String) { self.path = path }
}

/// What became of one line.
public enum LineDisposition: Sendable, Equatable {
    /// The line produced zero or more events (or was consumed as state, e.g. a session header).
    case decoded
    /// Valid JSON this format knows and deliberately ignores (e.g. a transcript's `summary` line).
    case ignored
    /// Valid JSON this decoder cannot read (e.g. an OTLP *logs* export in a traces file):
    /// counted with the malformed lines.
    case undecodable
}

/// One decoder per log format.
///
/// A decoder is a per-file value: it may keep state across lines (joining tool uses to
/// results, differencing cumulative counters) and flushes it in `finish`.
public protocol LogDecoder {
    /// Decodes one valid JSON line (`root`, borrowed; valid only during the call) and appends
    /// its events to `batch`. `line` is the 1-based line number within the file.
    mutating func decode(_ root: JSONValue, line: Int, into batch: inout EventBatch) -> LineDisposition
    /// Appends what is still pending at the end of the file (e.g. tool calls with no result,
    /// outcome `unknown`).
    mutating func finish(into batch: inout EventBatch)
}

import Glibc

/// Writes a corpus of realistic JSON lines, 1–3 KB each, mostly prompt/response text.
///
/// Shapes follow /work/shared/formats/samples: Claude Code transcript lines (assistant text with
/// full `usage`, user `tool_result` lines), LiteLLM StandardLoggingPayload records (messages and
/// response choices), and Kong AI Gateway log records (request/response payloads as JSON inside
/// strings, so full of `\"`). Mix: 50 % Claude Code, 30 % LiteLLM, 20 % Kong. Text contains
/// escapes (`\n`, `\"`, `\t`, `\u00e9`) and raw multi-byte UTF-8, as real transcripts do.
enum Generator {
    static func run(outDir: String, megabytes: Int, seed: UInt64) {
        mkdir(outDir, 0o755)
        let path =
            outDir.hasSuffix("/") ? "\(outDir)corpus-\(megabytes)mb.jsonl" : "\(outDir)/corpus-\(megabytes)mb.jsonl"
        let tmp = path + ".tmp"
        guard let f = fopen(tmp, "w") else {
            eprint("flbench: cannot write \(tmp): \(String(cString: strerror(errno)))\n")
            exit(73)
        }
        var g = LineWriter(seed: seed)
        let target = megabytes << 20
        var written = 0
        var lines = 0
        let t0 = now()
        while written < target {
            g.out.removeAll(keepingCapacity: true)
            while g.out.count < (4 << 20) && written + g.out.count < target {
                g.line()
                lines += 1
            }
            g.out.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
            written += g.out.count
        }
        fclose(f)
        rename(tmp, path)
        print(
            "file=\(path) bytes=\(written) lines=\(lines) avg_line=\(written / max(lines, 1)) seconds=\(fmt(now() - t0, 2))"
        )
    }
}

struct LineWriter {
    var out: [UInt8] = []
    var state: UInt64
    var clock: Int64 = 1_787_000_000_000  // epoch ms, moves forward

    init(seed: UInt64) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        out.reserveCapacity(5 << 20)
    }

    @inline(__always)
    mutating func rand() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    @inline(__always)
    mutating func below(_ n: Int) -> Int { Int(rand() % UInt64(n)) }

    @inline(__always)
    mutating func put(_ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    mutating func put(_ s: String) { out.append(contentsOf: s.utf8) }

    mutating func int(_ v: Int) { put(String(v)) }

    mutating func hex(_ n: Int) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { d in
            for _ in 0..<n { out.append(d[below(16)]) }
        }
    }

    mutating func uuid() {
        hex(8)
        put("-")
        hex(4)
        put("-4")
        hex(3)
        put("-a")
        hex(3)
        put("-")
        hex(12)
    }

    mutating func timestamp() {
        clock += Int64(below(3000))
        var t = time_t(clock / 1000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        put(
            "\(1900 + Int(tmv.tm_year))-\(two(Int(tmv.tm_mon) + 1))-\(two(Int(tmv.tm_mday)))T\(two(Int(tmv.tm_hour))):\(two(Int(tmv.tm_min))):\(two(Int(tmv.tm_sec))).\(three(Int(clock % 1000)))Z"
        )
    }

    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    func three(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }

    static let words: [String] = """
        the of and to in is that for it as with was on be by this are from or at an have not which \
        function return value error file test build request response model token cache latency user \
        assistant system tool call result input output stream chunk buffer parse decode encode swift \
        rust python query table index schema migration deploy cluster service gateway proxy route \
        config option default retry timeout budget cost price usage prompt completion reasoning \
        summary report daily weekly session project branch commit merge review change fix bug issue \
        please could you explain why how what when where would should let me check look first then \
        refactor rename extract inline module package import export struct class enum protocol \
        async await actor task group thread lock queue memory allocation performance benchmark \
        throughput percentile histogram median p95 p99 median window rolling aggregate merge sort
        """.split(separator: " ").map(String.init)

    static let fancy: [String] = ["café", "naïve", "日本語のテキスト", "🚀", "Grüße", "—", "→", "✓", "Ω"]

    /// JSON string contents (no quotes) of about `n` bytes: words, escapes and some UTF-8.
    mutating func text(_ n: Int) {
        let end = out.count + n
        var sentence = 0
        while out.count < end {
            let r = below(100)
            if r < 86 {
                put(Self.words[below(Self.words.count)])
            } else if r < 89 {
                put(Self.fancy[below(Self.fancy.count)])
            } else if r < 93 {
                put("\\\"")
                put(Self.words[below(Self.words.count)])
                put("\\\"")
            } else if r < 96 {
                put("\\n")
                if below(2) == 0 { put("\\t") }
            } else if r < 97 {
                put("caf\\u00e9")
            } else {
                put("`")
                put(Self.words[below(Self.words.count)])
                put("()`")
            }
            sentence += 1
            if sentence > 8 + below(10) {
                put(". ")
                sentence = 0
            } else {
                put(" ")
            }
        }
    }

    /// Text for a JSON string that is itself inside a JSON string (Kong payloads): no quotes or
    /// backslashes of its own, so only the outer escaping shows.
    mutating func innerText(_ n: Int) {
        let end = out.count + n
        while out.count < end {
            put(Self.words[below(Self.words.count)])
            put(below(12) == 0 ? "\\\\n" : " ")
        }
    }

    static let claudeModels: [StaticString] = [
        "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805",
    ]
    static let gatewayModels: [StaticString] = [
        "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "gemini-1.5-pro", "o3-mini",
    ]
    static let teams: [StaticString] = ["search", "support-bot", "data-eng", "platform", "growth"]

    mutating func line() {
        let size = 1100 + below(1600)
        let r = below(10)
        if r < 5 { claude(size) } else if r < 8 { litellm(size) } else { kong(size) }
        out.append(0x0A)
    }

    mutating func claude(_ size: Int) {
        let start = out.count
        let assistant = below(3) != 0
        put("{\"parentUuid\":\"")
        uuid()
        put("\",\"isSidechain\":")
        put(below(10) == 0 ? "true" : "false")
        put(",\"userType\":\"external\",\"cwd\":\"/home/dev/project-")
        int(below(40))
        put("\",\"sessionId\":\"")
        uuid()
        put("\",\"version\":\"2.0.49\",\"gitBranch\":\"main\",")
        if assistant {
            put("\"message\":{\"model\":\"")
            put(Self.claudeModels[below(3)])
            put("\",\"id\":\"msg_01")
            hex(22)
            put("\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"")
            text(max(200, size - 720))
            put("\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":")
            int(below(50))
            put(",\"cache_creation_input_tokens\":")
            int(below(30000))
            put(",\"cache_read_input_tokens\":")
            int(below(90000))
            put(",\"output_tokens\":")
            int(below(4000))
            put(",\"cache_creation\":{\"ephemeral_5m_input_tokens\":")
            int(below(30000))
            put(",\"ephemeral_1h_input_tokens\":0},\"service_tier\":\"standard\"}},\"requestId\":\"req_011")
            hex(21)
            put("\",\"type\":\"assistant\",\"uuid\":\"")
        } else {
            put("\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"toolu_01")
            hex(22)
            put("\",\"type\":\"tool_result\",\"content\":\"")
            text(max(200, size - 560))
            put("\",\"is_error\":")
            put(below(20) == 0 ? "true" : "false")
            put("}]},\"toolUseResult\":{\"durationMs\":")
            int(below(5000))
            put("},\"type\":\"user\",\"uuid\":\"")
        }
        uuid()
        put("\",\"timestamp\":\"")
        timestamp()
        put("\"}")
        _ = start
    }

    mutating func litellm(_ size: Int) {
        let textBudget = max(300, size - 1150)
        let prompt = textBudget / 3
        put("{\"id\":\"chatcmpl-")
        uuid()
        put("\",\"trace_id\":null,\"call_type\":\"acompletion\",\"cache_hit\":null,\"stream\":")
        put(below(2) == 0 ? "true" : "false")
        put(",\"status\":\"success\",\"custom_llm_provider\":\"openai\",\"saved_cache_cost\":0.0,")
        let t = Double(clock) / 1000
        clock += Int64(below(3000))
        put(
            "\"startTime\":\(t),\"endTime\":\(t + 0.75),\"completionStartTime\":\(t + 0.21),\"response_time\":0.75,\"model\":\""
        )
        let model = Self.gatewayModels[below(5)]
        put(model)
        put("\",\"metadata\":{\"user_api_key_hash\":\"")
        hex(64)
        put("\",\"user_api_key_alias\":\"svc-")
        int(below(30))
        put("\",\"user_api_key_team_id\":\"team-")
        int(below(5))
        put("\",\"user_api_key_team_alias\":\"")
        put(Self.teams[below(5)])
        put(
            "\",\"user_api_key_user_id\":null,\"spend_logs_metadata\":null,\"requester_ip_address\":\"10.0.0.\(below(255))\",\"applied_guardrails\":[]},"
        )
        let p = 10 + below(5000)
        let c = 5 + below(2000)
        put(
            "\"cache_key\":null,\"response_cost\":\(Double(p) * 2.5e-6 + Double(c) * 1e-5),\"total_tokens\":\(p + c),\"prompt_tokens\":\(p),\"completion_tokens\":\(c),"
        )
        put(
            "\"request_tags\":[],\"end_user\":\"\",\"api_base\":\"https://api.openai.com\",\"messages\":[{\"role\":\"system\",\"content\":\""
        )
        text(prompt / 3)
        put("\"},{\"role\":\"user\",\"content\":\"")
        text(prompt)
        put("\"}],\"response\":{\"id\":\"chatcmpl-")
        uuid()
        put("\",\"created\":\(clock / 1000),\"model\":\"")
        put(model)
        put(
            "\",\"object\":\"chat.completion\",\"system_fingerprint\":null,\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":\""
        )
        text(textBudget - prompt - prompt / 3)
        put(
            "\",\"role\":\"assistant\",\"tool_calls\":null,\"function_call\":null}}],\"usage\":{\"completion_tokens\":\(c),\"prompt_tokens\":\(p),\"total_tokens\":\(p + c),"
        )
        put(
            "\"completion_tokens_details\":null,\"prompt_tokens_details\":{\"cached_tokens\":\(below(p))}}},\"model_parameters\":{\"temperature\":0.2,\"max_tokens\":4096},"
        )
        put(
            "\"hidden_params\":{\"model_id\":null,\"api_base\":\"https://api.openai.com\",\"litellm_overhead_time_ms\":1.9}}"
        )
    }

    mutating func kong(_ size: Int) {
        let textBudget = max(300, size - 1250)
        put("{\"workspace\":\"")
        uuid()
        put("\",\"workspace_name\":\"default\",\"source\":\"upstream\",\"upstream_uri\":\"/v1/chat/completions\",")
        put("\"upstream_status\":200,\"client_ip\":\"192.168.65.\(below(255))\",\"started_at\":\(clock),")
        clock += Int64(below(3000))
        put("\"request\":{\"id\":\"")
        hex(32)
        put("\",\"uri\":\"/v1/chat/completions\",\"method\":\"POST\",\"size\":\(300 + below(9000)),")
        put(
            "\"headers\":{\"host\":\"gw.internal:8000\",\"user-agent\":\"python-httpx/0.27\",\"content-type\":\"application/json\",\"authorization\":\"REDACTED\"}},"
        )
        put(
            "\"response\":{\"status\":200,\"size\":\(800 + below(9000)),\"headers\":{\"content-type\":\"application/json\",\"x-kong-proxy-latency\":\"3\",\"x-kong-upstream-latency\":\"\(below(3000))\"}},"
        )
        put(
            "\"latencies\":{\"kong\":\(below(10)),\"proxy\":\(below(3000)),\"request\":\(below(3000)),\"receive\":\(below(5))},"
        )
        put("\"consumer\":{\"id\":\"")
        uuid()
        put("\",\"username\":\"user-\(below(50))\"},")
        let model = Self.gatewayModels[below(5)]
        put("\"ai\":{\"payload\":{\"request\":\"{\\\"model\\\":\\\"")
        put(model)
        put("\\\",\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"")
        innerText(textBudget / 2)
        put(
            "\\\"}]}\",\"response\":\"{\\\"choices\\\":[{\\\"message\\\":{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\""
        )
        innerText(textBudget - textBudget / 2)
        put("\\\"}}]}\"},")
        let p = 10 + below(5000)
        let c = 5 + below(2000)
        put("\"proxy\":{\"meta\":{\"request_mode\":\"oneshot\",\"provider_name\":\"openai\",\"request_model\":\"")
        put(model)
        put("\",\"response_model\":\"")
        put(model)
        put("\",\"operation_name\":\"chat\",\"llm_latency\":\(below(3000))},")
        put(
            "\"usage\":{\"prompt_tokens\":\(p),\"completion_tokens\":\(c),\"total_tokens\":\(p + c),\"cost\":\(Double(p + c) * 1e-6),\"time_per_token\":\(below(100)),\"time_to_first_token\":\(below(2000))}}}}"
        )
    }
}

import Foundation
import Testing

@testable import Ingest

/// Parses `bytes` and hands the result to `body`; the `JSONValue` must not escape `body`.
func scanParse<R>(_ bytes: [UInt8], _ body: (Result<JSONValue, JSONError>) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes { try body(JSONDocument.parse($0)) }
}

/// Parses `text` (UTF-8) and hands the root to `body`; records an issue when parsing fails.
func scanRoot<R>(_ text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: (JSONValue) throws -> R?) rethrows -> R? {
    try scanParse(Array(text.utf8)) { r in
        switch r {
        case .success(let v): return try body(v)
        case .failure(let e):
            Issue.record("parse failed with \(e) for \(text.prefix(80))", sourceLocation: sourceLocation)
            return nil
        }
    }
}

/// The error `JSONDocument.parse` reports for `bytes`, or nil when it parses.
func scanError(_ bytes: [UInt8]) -> JSONError? {
    scanParse(bytes) { r in
        if case .failure(let e) = r { return e }
        return nil
    }
}

func scanError(_ text: String) -> JSONError? { scanError(Array(text.utf8)) }

/// SplitMix64: a small seeded generator so every run sees the same documents.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reads every leaf of `v` through the scanner API (the crash/hang smoke walk used by the
/// mutation tests). Returns the number of values visited. Iterative: an explicit stack.
@discardableResult
func scanWalkAll(_ root: JSONValue) -> Int {
    var stack = [root]
    var visited = 0
    while let v = stack.popLast() {
        visited += 1
        switch v.kind {
        case .object:
            v.forEachMember { k, m in
                _ = k.string
                // the lookup API must find a member with this key (the first of its name)
                var decoded: [UInt8] = []
                k.value.forEachDecodedChunk { decoded += $0 }
                let found = decoded.withUnsafeBytes { v.member(named: $0) != nil }
                if !found { Issue.record("member(named:) missed key \(k.string.debugDescription)") }
                stack.append(m)
                return true
            }
        case .array:
            v.forEachElement { e in stack.append(e); return true }
        case .string:
            _ = v.string
            _ = v.int64
            _ = v.double
        case .number:
            _ = v.int64
            _ = v.double
        case .bool:
            _ = v.bool
        case .null:
            _ = v.isNull
        }
    }
    return visited
}

import ArgumentParser
import Foundation

/// Usage errors found after parsing (a value that parses but cannot be used: an unknown time
/// zone, a missing price file) are reported as ArgumentParser reports its own: the message, then
/// the usage of the subcommand that was run, not the root's; exit 64.
enum UsageErrors {
    /// Runs `body`; a `ValidationError` it throws is printed with `command`'s usage and becomes
    /// `ExitCode(64)`.
    static func checked<C: ParsableCommand, T>(_ command: C.Type, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ValidationError {
            let name = C.configuration.commandName ?? String(describing: C.self).lowercased()
            let usage = C.usageString()
            FileHandle.standardError.write(Data((
                "Error: \(error.message)\n"
                    + "Usage: \(usage.hasPrefix("factorylog ") ? usage : "factorylog " + usage)\n"
                    + "  See 'factorylog \(name) --help' for more information.\n").utf8))
            throw ExitCode(64)
        }
    }
}

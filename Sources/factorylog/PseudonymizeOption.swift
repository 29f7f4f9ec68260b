import Analyze
import ArgumentParser
import Foundation

/// `--pseudonymize KEYFILE` (run and report; `CONTRACT.md`, "Pseudonymized principals").
struct PseudonymizeOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Write principals as keyed HMAC-SHA-256 pseudonyms (p_ + 16 hex digits), in the outputs and the state alike; KEYFILE holds the secret key (at least 32 bytes, e.g. `openssl rand -hex 32`).",
        valueName: "keyfile"))
    var pseudonymize: String?

    /// The pseudonymizer of the key file, nil without the option.
    /// - Throws: `ValidationError` when the file cannot be read or the key is too short.
    func pseudonymizer() throws -> Pseudonymizer? {
        guard let path = pseudonymize else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("Cannot read the --pseudonymize key file '\(path)'; check the path and its permissions.")
        }
        do {
            let p = try Pseudonymizer(keyFile: [UInt8](data))
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0
            {
                Console.error("warning: the key file \(path) can be read by other users (mode \(String(mode, radix: 8))); `chmod 600 \(path)`.")
            }
            return p
        } catch {
            throw ValidationError("The --pseudonymize key file '\(path)' cannot be used: \(error).")
        }
    }
}

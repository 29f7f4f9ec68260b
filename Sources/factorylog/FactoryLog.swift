import ArgumentParser

@main
struct FactoryLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factorylog",
        abstract: "Summarize AI gateway and coding-agent logs into cost, latency, tool and permission tables."
    )
}

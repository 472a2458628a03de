import ArgumentParser

@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Gatehouse: accounts, API keys with exact limits, usage metering and billing for API businesses.",
        subcommands: [Serve.self, Migrate.self, Admin.self, StripeSim.self]
    )
}

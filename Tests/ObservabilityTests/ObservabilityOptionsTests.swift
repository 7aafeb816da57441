import Observability
import Testing

@Suite struct ObservabilityOptionsTests {
    @Test func defaults() throws {
        let options = try ObservabilityOptions.parse([])
        #expect(options.metricsAddress == ListenAddress(host: "127.0.0.1", port: 9808))
        #expect(options.logFormat == .text)
        #expect(options.logLevel == .info)
        #expect(options.healthThresholds == HealthThresholds(applyFailure: .seconds(60), apiUnreachable: .seconds(300)))
    }

    @Test func everyFlag() throws {
        let options = try ObservabilityOptions.parse([
            "--metrics-address", "[::1]:0", "--log-format=json", "--log-level", "debug",
            "--apply-failure-timeout", "90s", "--api-unreachable-timeout=0",
        ])
        #expect(options.metricsAddress == ListenAddress(host: "::1", port: 0))
        #expect(options.logFormat == .json)
        #expect(options.logLevel == .debug)
        #expect(options.healthThresholds == HealthThresholds(applyFailure: .seconds(90), apiUnreachable: .zero))
    }

    @Test(arguments: [["--metrics-address", "9808"], ["--log-format", "xml"], ["--log-level", "loud"],
                      ["--apply-failure-timeout", "soon"], ["--api-unreachable-timeout", "-5s"], ["--unknown"]])
    func invalidValuesAreRejected(arguments: [String]) {
        #expect(throws: (any Error).self) { try ObservabilityOptions.parse(arguments) }
    }

    @Test(arguments: [("0.0.0.0:9808", "0.0.0.0", 9808), ("[fd00::1]:80", "fd00::1", 80), ("localhost:0", "localhost", 0)])
    func addressesParse(text: String, host: String, port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
        #expect(ListenAddress(text)?.description == text)
    }

    @Test(arguments: ["9808", ":9808", "host:", "::1:80", "[::1]9808", "host:65536", "host:http"])
    func badAddressesDoNot(text: String) {
        #expect(ListenAddress(text) == nil)
    }
}

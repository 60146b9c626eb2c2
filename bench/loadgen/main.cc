// spanline-loadgen: OTLP/gRPC load against a running gateway; prints a summary
// and, with --json-out, writes it as JSON.
#include <cstdio>
#include <fstream>

#include "bench/loadgen/load_generator.h"
#include "base/options.h"

int main(int argc, char** argv) {
  using namespace spanline;
  bench::LoadConfig config;
  std::string json_out;
  std::string mix = "plain";
  uint32_t lag_api_port = 0;
  Options options("spanline-loadgen",
                  "Sends OTLP/gRPC Export requests to a gateway asynchronously over several connections and reports\n"
                  "requests/s, spans/s acknowledged, Export latency percentiles (p50/p90/p99/p99.9, log-linear\n"
                  "histogram) and errors by status code. With --lag-api-port it also samples end-to-end lag: the time\n"
                  "from an Export's acknowledgement until its trace is visible through the api.");
  options.add("target", &config.target, "Gateway OTLP/gRPC address (host:port).")
      .add("api-key", &config.api_key, "Ingest API key, sent as x-junjo-api-key.")
      .add("connections", &config.connections, "gRPC connections (channels) the requests are spread over.")
      .add("concurrency", &config.concurrency, "Export requests in flight at once.")
      .add("rate", &config.rate, "Target Export requests per second (0: open throttle, as fast as answers come).")
      .add("duration", &config.duration, "How long to send.")
      .add("timeout", &config.timeout, "Deadline of each Export.")
      .add("spans-per-request", &config.shape.spans_per_request, "Spans per Export request (traces of up to 10 spans).")
      .add("attributes-per-span", &config.shape.attributes_per_span, "String attributes per span (plain mix).")
      .add("attribute-bytes", &config.shape.attribute_bytes, "Size of each attribute value (and of Junjo prompts).")
      .add("mix", &mix, "plain, or junjo: workflow spans with state and graph, node spans with state patches, LLM spans.")
      .add("service", &config.shape.service, "service.name of the spans.")
      .add("lag-api-port", &lag_api_port, "Port of the api on 127.0.0.1 to sample lag through (0: no lag sampling).")
      .add("lag-cookie", &config.lag_cookie, "Session cookie for the api (spanline_session=...).")
      .add("lag-samples-per-second", &config.lag_samples_per_second, "How many acknowledged traces per second are followed to the api.")
      .add("json-out", &json_out, "Also write the report as JSON to this file.");
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-loadgen: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  if (mix != "plain" && mix != "junjo") {
    std::fprintf(stderr, "spanline-loadgen: --mix must be plain or junjo\n");
    return 2;
  }
  if (config.shape.spans_per_request == 0 || config.concurrency == 0) {
    std::fprintf(stderr, "spanline-loadgen: --spans-per-request and --concurrency must be at least 1\n");
    return 2;
  }
  config.shape.junjo = mix == "junjo";
  config.lag_api_port = static_cast<int>(lag_api_port);
  bench::LoadReport report = bench::run_load(config);
  std::printf("%s\n", report.to_text().c_str());
  if (!json_out.empty()) std::ofstream(json_out) << report.to_json().dump(2) << "\n";
  return report.requests_ok > 0 ? 0 : 1;
}

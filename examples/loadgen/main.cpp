// loadgen: load against the example workloads. Chat clients against relays
// (the default mode; reports sessions and messages lost across drains),
// `loadgen registry` (lookups against the session registry) and `loadgen
// business` (requests against the business tier). Flags only; the work is in
// LoadGenerator, RegistryLoad and BusinessLoad.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "business_load.h"
#include "fd_limit.h"
#include "load_generator.h"
#include "load_report.h"
#include "process_setup.h"
#include "registry_load.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "loadgen: %s\n", message.c_str());
  return 2;
}

std::chrono::milliseconds Seconds(double s) {
  return std::chrono::milliseconds(static_cast<long>(s * 1000));
}

// Flags every mode has: where the load goes, how long, and the report.
struct CommonFlags {
  std::string directory;
  std::string targets;
  double duration = 10;
  std::string report_path;
  bool allow_loss = false;
  std::string user_prefix;
};

void AddCommonFlags(CLI::App& app, CommonFlags& flags) {
  app.add_option("--directory", flags.directory, "serving directory file (re-read on change)");
  app.add_option("--targets", flags.targets, "fixed targets IP:PORT[,IP:PORT...]");
  app.add_option("--duration", flags.duration, "seconds to run");
  app.add_option("--report", flags.report_path, "write the JSON report here");
  app.add_flag("--allow-loss", flags.allow_loss, "exit 0 even if something was lost");
  app.add_option("--user-prefix", flags.user_prefix, "prefix of the user names");
}

// Resolves --directory / --targets into the mode's options; "" or an error.
std::string TakeTargets(const CommonFlags& flags, std::string& directory,
                        std::vector<baton::examples::HostPort>& targets) {
  if (flags.directory.empty() == flags.targets.empty())
    return "give exactly one of --directory and --targets";
  directory = flags.directory;
  if (!flags.targets.empty()) {
    auto parsed = baton::examples::ParseHostPortList(flags.targets);
    if (!parsed) return "--targets wants IP:PORT[,IP:PORT...]: " + flags.targets;
    targets = *parsed;
  }
  if (flags.duration <= 0) return "--duration must be > 0";
  if (flags.user_prefix.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    return "--user-prefix may hold letters, digits, '.', '_' and '-' only";
  return "";
}

// Prints the summary, writes the report; the exit code.
template <typename Report>
int Finish(const Report& report, const std::string& report_path, bool allow_loss) {
  std::printf("%s\n", report.Summary().c_str());
  std::fflush(stdout);
  if (!report_path.empty()) {
    std::ofstream out(report_path);
    out << report.ToJson().dump(2) << "\n";
    if (!out) return Fail("cannot write " + report_path);
  }
  return report.LossFree() || allow_loss ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::loadgen::LoadOptions options;
  options.user_prefix = "u" + std::to_string(getpid()) + "-";
  options.seed = static_cast<std::uint64_t>(getpid());
  std::string report_path;
  bool allow_loss = false;
  std::string directory;
  std::string targets;
  double duration = options.duration.count() / 1000.0;
  double settle = options.settle.count() / 1000.0;

  CLI::App app{
      "Load against the example workloads. Without a mode: chat clients against relays,\n"
      "reporting sessions and messages lost across drains. Exits 1 when something was\n"
      "lost (unless --allow-loss), 2 on usage errors."};
  app.add_option("--directory", directory, "serving directory file (re-read on change)");
  app.add_option("--targets", targets, "fixed relays IP:PORT[,IP:PORT...]");
  app.add_option("--sessions", options.sessions, "chat sessions to hold");
  app.add_option("--rate", options.rate, "messages per second, all sessions together");
  app.add_option("--duration", duration, "seconds to send");
  app.add_option("--settle", settle, "seconds to wait for answers after sending stops");
  app.add_option("--report", report_path, "write the JSON report here");
  app.add_flag("--allow-loss", allow_loss, "exit 0 even if something was lost");
  app.add_option("--connect-concurrency", options.connect_concurrency,
                 "connections being set up at once");
  app.add_option("--user-prefix", options.user_prefix, "prefix of the user names");
  app.add_option("--seed", options.seed, "random seed");

  CommonFlags registry_flags;
  registry_flags.user_prefix = options.user_prefix;
  ex::loadgen::RegistryLoadOptions registry;
  auto* registry_cmd =
      app.add_subcommand("registry",
                         "register users on a sharded session registry, then look them up and "
                         "re-register some continuously; counts failed lookups");
  AddCommonFlags(*registry_cmd, registry_flags);
  registry_cmd->add_option("--users", registry.users, "users in all");
  registry_cmd->add_option("--users-per-shard", registry.users_per_shard,
                           "exactly this many users on every shard (instead of --users)");
  registry_cmd->add_option("--rate", registry.rate, "operations per second");
  registry_cmd->add_option("--write-fraction", registry.write_fraction,
                           "share of operations that re-register a user (0..1)");
  registry_cmd->add_option("--workers", registry.workers, "threads issuing operations");

  CommonFlags business_flags;
  business_flags.user_prefix = options.user_prefix;
  ex::loadgen::BusinessLoadOptions business;
  auto* business_cmd = app.add_subcommand(
      "business", "post and read chat-room messages on business pods; counts failed requests");
  AddCommonFlags(*business_cmd, business_flags);
  business_cmd->add_option("--rate", business.rate, "requests per second");
  business_cmd->add_option("--read-fraction", business.read_fraction, "share of GETs (0..1)");
  business_cmd->add_option("--rooms", business.rooms, "chat rooms to spread messages over");
  business_cmd->add_option("--delay-ms", business.delay_ms,
                           "ask the server to hold every request this long");
  business_cmd->add_option("--workers", business.workers, "threads issuing requests");
  std::vector<std::string> merge_inputs;
  std::string merge_report;
  bool merge_allow_loss = false;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "merge the JSON reports of chat load generators run side by side into one verdict "
      "(counts added, reconnect percentiles and peaks over all of them)");
  merge_cmd->add_option("reports", merge_inputs, "report files (--report of each run)")->required();
  merge_cmd->add_option("--report", merge_report, "write the merged JSON report here");
  merge_cmd->add_flag("--allow-loss", merge_allow_loss, "exit 0 even if something was lost");
  app.require_subcommand(0, 1);
  if (auto code = ex::ParseCommandLine(app, argc, argv)) return *code;

  ex::BlockTerminationSignals();

  if (merge_cmd->parsed()) {
    std::vector<ex::LoadReport> reports;
    for (const auto& path : merge_inputs) {
      std::ifstream in(path);
      auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      auto report = ex::LoadReportFromJson(j);
      if (!report) return Fail("not a load generator report: " + path);
      reports.push_back(std::move(*report));
    }
    return Finish(ex::MergeLoadReports(reports), merge_report, merge_allow_loss);
  }
  if (registry_cmd->parsed()) {
    std::string bad = TakeTargets(registry_flags, registry.directory_path, registry.targets);
    if (!bad.empty()) return Fail(bad);
    if ((registry.users <= 0 && registry.users_per_shard <= 0) || registry.rate <= 0 ||
        registry.workers <= 0 || registry.write_fraction < 0 || registry.write_fraction > 1)
      return Fail(
          "--users or --users-per-shard, --rate and --workers must be > 0, "
          "--write-fraction in 0..1");
    registry.duration = Seconds(registry_flags.duration);
    registry.user_prefix = registry_flags.user_prefix;
    ex::loadgen::RegistryLoad load(registry);
    auto report = load.Run();
    if (!report) return Fail(load.error());
    return Finish(*report, registry_flags.report_path, registry_flags.allow_loss);
  }
  if (business_cmd->parsed()) {
    std::string bad = TakeTargets(business_flags, business.directory_path, business.targets);
    if (!bad.empty()) return Fail(bad);
    if (business.rate <= 0 || business.workers <= 0 || business.rooms <= 0 ||
        business.delay_ms < 0 || business.read_fraction < 0 || business.read_fraction > 1)
      return Fail(
          "--rate, --workers and --rooms must be > 0, --delay-ms >= 0, "
          "--read-fraction in 0..1");
    business.duration = Seconds(business_flags.duration);
    business.user_prefix = business_flags.user_prefix;
    ex::loadgen::BusinessLoad load(business);
    auto report = load.Run();
    if (!report) return Fail(load.error());
    return Finish(*report, business_flags.report_path, business_flags.allow_loss);
  }

  options.directory_path = directory;
  if (!targets.empty()) {
    auto parsed = ex::ParseHostPortList(targets);
    if (!parsed) return Fail("--targets wants IP:PORT[,IP:PORT...]: " + targets);
    options.targets = *parsed;
  }
  options.duration = Seconds(duration);
  options.settle = Seconds(settle);
  if (options.directory_path.empty() == options.targets.empty())
    return Fail("give exactly one of --directory and --targets");
  if (options.sessions <= 0 || options.rate < 0 || options.duration.count() <= 0 ||
      options.connect_concurrency <= 0)
    return Fail("--sessions, --duration and --connect-concurrency must be > 0, --rate >= 0");
  if (options.user_prefix.find_first_of(" \r\n") != std::string::npos)
    return Fail("--user-prefix must not contain spaces");

  // A session is a descriptor, and a moving one briefly two.
  auto limit = ex::RaiseFdLimit(static_cast<unsigned long>(options.sessions) * 11 / 10 + 256);
  if (!limit.ok) return Fail(limit.error + " (lower --sessions)");

  ex::loadgen::LoadGenerator generator(options);
  auto report = generator.Run();
  if (!report) return Fail(generator.error());
  return Finish(*report, report_path, allow_loss);
}

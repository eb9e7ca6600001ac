// loadgen: chat clients against example relays; reports sessions and
// messages lost across drains. Flags only; the work is in LoadGenerator.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "fd_limit.h"
#include "load_generator.h"

namespace {

constexpr const char* kUsage =
    "usage: loadgen (--directory FILE | --targets IP:PORT,...) [--sessions N] [--rate MSG/S]\n"
    "               [--duration SECONDS] [--settle SECONDS] [--report FILE] [--allow-loss]\n"
    "               [--connect-concurrency N] [--user-prefix P] [--seed N]\n"
    "Exits 1 when a session or message was lost (unless --allow-loss), 2 on usage errors.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "loadgen: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = baton::examples;
  ex::loadgen::LoadOptions options;
  options.user_prefix = "u" + std::to_string(getpid()) + "-";
  options.seed = static_cast<std::uint64_t>(getpid());
  std::string report_path;
  bool allow_loss = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag == "--allow-loss") {
      allow_loss = true;
      continue;
    }
    if (i + 1 >= argc) return Fail("missing value for " + std::string(flag) + "\n" + kUsage);
    std::string value = argv[++i];
    try {
      if (flag == "--directory") {
        options.directory_path = value;
      } else if (flag == "--targets") {
        auto targets = ex::ParseHostPortList(value);
        if (!targets) return Fail("--targets wants IP:PORT[,IP:PORT...]: " + value);
        options.targets = *targets;
      } else if (flag == "--sessions") {
        options.sessions = std::stol(value);
      } else if (flag == "--rate") {
        options.rate = std::stod(value);
      } else if (flag == "--duration") {
        options.duration = std::chrono::milliseconds(static_cast<long>(std::stod(value) * 1000));
      } else if (flag == "--settle") {
        options.settle = std::chrono::milliseconds(static_cast<long>(std::stod(value) * 1000));
      } else if (flag == "--report") {
        report_path = value;
      } else if (flag == "--connect-concurrency") {
        options.connect_concurrency = std::stoi(value);
      } else if (flag == "--user-prefix") {
        options.user_prefix = value;
      } else if (flag == "--seed") {
        options.seed = std::stoull(value);
      } else {
        return Fail("unknown flag " + std::string(flag) + "\n" + kUsage);
      }
    } catch (const std::exception&) {
      return Fail("bad value for " + std::string(flag) + ": " + value);
    }
  }
  if (options.directory_path.empty() == options.targets.empty())
    return Fail("give exactly one of --directory and --targets\n" + std::string(kUsage));
  if (options.sessions <= 0 || options.rate < 0 || options.duration.count() <= 0 ||
      options.connect_concurrency <= 0)
    return Fail("--sessions, --duration and --connect-concurrency must be > 0, --rate >= 0");
  if (options.user_prefix.find_first_of(" \r\n") != std::string::npos)
    return Fail("--user-prefix must not contain spaces");

  // A session is a descriptor, and a moving one briefly two.
  auto limit = ex::RaiseFdLimit(static_cast<unsigned long>(options.sessions) * 11 / 10 + 256);
  if (!limit.ok) return Fail(limit.error + " (lower --sessions)");

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ex::loadgen::LoadGenerator generator(options);
  auto report = generator.Run();
  if (!report) return Fail(generator.error());
  std::printf("%s\n", report->Summary().c_str());
  std::fflush(stdout);
  if (!report_path.empty()) {
    std::ofstream out(report_path);
    out << report->ToJson().dump(2) << "\n";
    if (!out) return Fail("cannot write " + report_path);
  }
  return report->LossFree() || allow_loss ? 0 : 1;
}

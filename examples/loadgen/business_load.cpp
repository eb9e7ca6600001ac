#include "business_load.h"

#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

namespace baton::examples::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

BusinessLoad::BusinessLoad(BusinessLoadOptions options)
    : options_(std::move(options)),
      source_(options_.directory_path, options_.targets),
      // The read timeout must outlast a deliberately slow request.
      clients_(std::chrono::milliseconds(1000),
               std::chrono::milliseconds(options_.delay_ms + 10000)) {}

std::vector<HostPort> BusinessLoad::Targets() {
  std::lock_guard lock(mu_);
  std::vector<HostPort> out;
  for (const auto& t : source_.targets()) out.push_back(t.address);
  return out;
}

bool BusinessLoad::Request(bool read, const std::string& room, const std::string& body,
                           OperationReport& report, std::uint64_t& rng_state) {
  std::string path = "/rooms/" + room + "/messages";
  if (options_.delay_ms > 0) path += "?delayMs=" + std::to_string(options_.delay_ms);
  std::optional<HostPort> avoid;
  auto deadline = Clock::now() + options_.give_up;
  while (Clock::now() < deadline) {
    auto targets = Targets();
    std::erase_if(targets, [&](const HostPort& t) { return targets.size() > 1 && t == avoid; });
    if (targets.empty()) {
      ++report.retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    const HostPort& target = targets[(rng_state >> 33) % targets.size()];
    auto lease = clients_.Borrow(target);
    auto r = read ? lease->Get(path.c_str()) : lease->Post(path.c_str(), body, "application/json");
    if (!r) {
      lease.Discard();
      if (r.error() == httplib::Error::Connection) {
        // Refused before anything was sent: the pod is gone, go elsewhere.
        ++report.retries;
        avoid = target;
        continue;
      }
      if (r.error() == httplib::Error::ConnectionTimeout) {
        // Not connected in time, so nothing was sent: a burst of new
        // connections overflowed the server's small listen backlog (5 in
        // cpp-httplib) and the kernel waits 1 s to resend the SYN. Try again.
        ++report.retries;
        continue;
      }
      std::fprintf(stderr, "loadgen: %s %s at %s: no answer (%s)\n", read ? "GET" : "POST",
                   path.c_str(), target.ToString().c_str(), httplib::to_string(r.error()).c_str());
      return false;  // sent and cut: the request was lost
    }
    if (r->status == 503) {
      ++report.retries;  // draining: Retry-After elsewhere
      avoid = target;
      continue;
    }
    if (r->status / 100 == 2) return true;
    std::fprintf(stderr, "loadgen: %s %s at %s: %d %s\n", read ? "GET" : "POST", path.c_str(),
                 target.ToString().c_str(), r->status, r->body.c_str());
    return false;
  }
  return false;
}

void BusinessLoad::Work(int worker, OperationReport& report) {
  std::uint64_t rng_state = static_cast<std::uint64_t>(worker) * 2654435761u + 1;
  std::mt19937_64 rng(rng_state);
  std::uniform_int_distribution<int> room(0, options_.rooms - 1);
  std::uniform_real_distribution<double> coin(0, 1);
  auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.workers / options_.rate));
  auto next = Clock::now();
  std::string from = options_.user_prefix + std::to_string(worker);
  std::uint64_t sent = 0;
  while (!stop_) {
    std::this_thread::sleep_until(next);
    next += interval;
    if (Clock::now() - next > std::chrono::seconds(1)) next = Clock::now();
    bool read = coin(rng) < options_.read_fraction;
    std::string body;
    if (!read) body = nlohmann::json{{"from", from}, {"text", "m" + std::to_string(++sent)}}.dump();
    bool ok = Request(read, "room" + std::to_string(room(rng)), body, report, rng_state);
    if (read) {
      ++report.reads;
      if (!ok) ++report.reads_failed;
    } else {
      ++report.writes;
      if (!ok) ++report.writes_failed;
    }
  }
}

std::optional<OperationReport> BusinessLoad::Run() {
  auto started = Clock::now();
  if (Targets().empty()) {
    error_ = "no business targets (directory empty or unreadable)";
    return std::nullopt;
  }
  std::printf("loadgen: business started %d workers\n", options_.workers);
  std::fflush(stdout);
  std::vector<OperationReport> reports(static_cast<std::size_t>(options_.workers));
  std::vector<std::thread> threads;
  for (int w = 0; w < options_.workers; ++w) {
    threads.emplace_back([this, w, &reports] { Work(w, reports[static_cast<std::size_t>(w)]); });
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  auto end = Clock::now() + options_.duration;
  while (Clock::now() < end) {
    timespec tick{0, 100'000'000};  // also the directory's re-read period
    if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
    std::lock_guard lock(mu_);
    source_.Refresh();
  }
  stop_ = true;
  for (auto& t : threads) t.join();
  OperationReport report;
  report.mode = "business";
  for (const auto& r : reports) report.Add(r);
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

}  // namespace baton::examples::loadgen

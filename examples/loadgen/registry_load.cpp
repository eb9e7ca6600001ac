#include "registry_load.h"

#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "shard_hash.h"

namespace baton::examples::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kRegisterChunk = 2000;

// The relay a registry answer names, or nullopt when the body is not one.
std::optional<std::string> RelayOf(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("relay") || !j["relay"].is_string()) return std::nullopt;
  return j["relay"].get<std::string>();
}

void Pause() {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

RegistryLoad::RegistryLoad(RegistryLoadOptions options)
    : options_(std::move(options)),
      source_(options_.directory_path, options_.targets),
      clients_(std::chrono::milliseconds(1000), std::chrono::milliseconds(5000)) {}

void RegistryLoad::RefreshRoutes() {
  source_.Refresh();
  std::vector<std::pair<HostPort, int>> listed;
  for (const auto& target : source_.targets()) {
    // Keyed by pod too: a pod IP is reused, possibly by a pod of another shard.
    std::string key = target.pod + "@" + target.address.ToString();
    {
      std::lock_guard lock(mu_);
      auto it = shard_of_.find(key);
      if (it != shard_of_.end()) {
        listed.emplace_back(target.address, it->second);
        continue;
      }
    }
    auto lease = clients_.Borrow(target.address);
    auto r = lease->Get("/info");
    if (!r) {
      lease.Discard();
      continue;  // not up yet: asked again on the next refresh
    }
    auto info = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status != 200 || !info.is_object() || !info.contains("shard") ||
        !info.contains("shards") || !info["shard"].is_number_integer() ||
        !info["shards"].is_number_integer()) {
      continue;
    }
    int shard = info["shard"].get<int>();
    int shards = info["shards"].get<int>();
    std::lock_guard lock(mu_);
    if (shards_ == 0 && shards > 0) {
      shards_ = shards;
      routes_.emplace(shards);
    }
    if (shards != shards_ || shard < 0 || shard >= shards_) {
      std::fprintf(stderr, "loadgen: %s says shard %d of %d, the registry has %d: ignored\n",
                   key.c_str(), shard, shards, shards_);
      continue;
    }
    shard_of_[key] = shard;
    listed.emplace_back(target.address, shard);
  }
  std::lock_guard lock(mu_);
  if (routes_) routes_->Update(listed);
}

bool RegistryLoad::Discover() {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    RefreshRoutes();
    {
      std::lock_guard lock(mu_);
      if (routes_ && routes_->Complete()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::lock_guard lock(mu_);
  error_ = routes_ ? "not every shard of " + std::to_string(shards_) + " has a registry address"
                   : "no registry answered GET /info";
  return false;
}

bool RegistryLoad::Register(OperationReport& report) {
  std::vector<std::vector<std::size_t>> by_shard(static_cast<std::size_t>(shards_));
  for (std::size_t i = 0; i < users_.size(); ++i) {
    by_shard[static_cast<std::size_t>(users_[i].shard)].push_back(i);
  }
  for (int shard = 0; shard < shards_; ++shard) {
    const auto& members = by_shard[static_cast<std::size_t>(shard)];
    for (std::size_t from = 0; from < members.size(); from += kRegisterChunk) {
      std::size_t to = std::min(members.size(), from + kRegisterChunk);
      nlohmann::json entries = nlohmann::json::array();
      for (std::size_t k = from; k < to; ++k) {
        const User& u = users_[members[k]];
        entries.push_back({u.name, u.relay});
      }
      std::string body = nlohmann::json{{"entries", entries}}.dump();
      bool done = false;
      auto deadline = Clock::now() + options_.give_up;
      while (!done && Clock::now() < deadline) {
        std::optional<HostPort> current;
        {
          std::lock_guard lock(mu_);
          current = routes_->Get(shard).current;
        }
        auto lease = clients_.Borrow(*current);
        auto r = lease->Post("/users", body, "application/json");
        if (r && r->status == 200) {
          done = true;
        } else {
          if (!r) lease.Discard();
          ++report.retries;
          Pause();
        }
      }
      if (done) {
        report.setup += to - from;
      } else {
        report.setup_failed += to - from;
      }
    }
  }
  return report.setup_failed == 0;
}

RegistryLoad::Outcome RegistryLoad::Lookup(const User& user, OperationReport& report) {
  std::string path = "/users/" + user.name;
  auto deadline = Clock::now() + options_.give_up;
  while (Clock::now() < deadline) {
    ShardRoutes::Route route;
    {
      std::lock_guard lock(mu_);
      route = routes_->Get(user.shard);
    }
    auto lease = clients_.Borrow(*route.current);
    auto r = lease->Get(path.c_str());
    if (!r) {
      lease.Discard();
      ++report.retries;
      Pause();
      continue;
    }
    if (r->status == 200) {
      return RelayOf(r->body) == user.relay ? Outcome::kOk : Outcome::kWrong;
    }
    if (r->status == 404 && route.previous) {
      auto old = clients_.Borrow(*route.previous);
      auto r2 = old->Get(path.c_str());
      if (!r2) {
        // The previous pod is gone, so its handover finished: ask again.
        old.Discard();
        std::lock_guard lock(mu_);
        routes_->ForgetPrevious(user.shard);
        ++report.retries;
        continue;
      }
      if (r2->status == 200) {
        ++report.fallbacks;
        return RelayOf(r2->body) == user.relay ? Outcome::kOk : Outcome::kWrong;
      }
      if (r2->status >= 500) {
        ++report.retries;
        Pause();
        continue;
      }
      if (r2->status == 421) {
        // The previous pod is gone and its address serves another shard now.
        std::lock_guard lock(mu_);
        routes_->ForgetPrevious(user.shard);
        ++report.retries;
        continue;
      }
    }
    if (r->status >= 500) {
      ++report.retries;
      Pause();
      continue;
    }
    std::fprintf(stderr, "loadgen: lookup of %s at %s: %d %s\n", user.name.c_str(),
                 route.current->ToString().c_str(), r->status, r->body.c_str());
    return Outcome::kFailed;  // a miss (404), or a shard that disowns the user (421)
  }
  return Outcome::kFailed;
}

RegistryLoad::Outcome RegistryLoad::Write(User& user, OperationReport& report) {
  std::string relay = "relay-" + std::to_string(++user.writes);
  std::string path = "/users/" + user.name;
  std::string body = nlohmann::json{{"relay", relay}}.dump();
  auto deadline = Clock::now() + options_.give_up;
  while (Clock::now() < deadline) {
    std::optional<HostPort> current;
    {
      std::lock_guard lock(mu_);
      current = routes_->Get(user.shard).current;
    }
    auto lease = clients_.Borrow(*current);
    auto r = lease->Put(path.c_str(), body, "application/json");
    if (!r || r->status >= 500) {
      // The same value again: a PUT whose answer was lost is harmless to repeat.
      if (!r) lease.Discard();
      ++report.retries;
      Pause();
      continue;
    }
    if (r->status == 200) {
      user.relay = relay;
      return Outcome::kOk;
    }
    std::fprintf(stderr, "loadgen: write of %s at %s: %d %s\n", user.name.c_str(),
                 current->ToString().c_str(), r->status, r->body.c_str());
    return Outcome::kFailed;
  }
  // Unanswered: it may or may not have been applied, so what to expect next
  // is unknown; counted failed, and the user is not looked up again.
  user.relay.clear();
  return Outcome::kFailed;
}

void RegistryLoad::Work(int worker, OperationReport& report) {
  std::vector<std::size_t> mine;
  for (std::size_t i = static_cast<std::size_t>(worker); i < users_.size();
       i += static_cast<std::size_t>(options_.workers)) {
    mine.push_back(i);
  }
  if (mine.empty()) return;
  std::mt19937_64 rng(static_cast<std::uint64_t>(worker) * 7919 + 17);
  std::uniform_int_distribution<std::size_t> pick(0, mine.size() - 1);
  std::uniform_real_distribution<double> coin(0, 1);
  auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.workers / options_.rate));
  auto next = Clock::now();
  while (!stop_) {
    std::this_thread::sleep_until(next);
    next += interval;
    if (Clock::now() - next > std::chrono::seconds(1)) next = Clock::now();  // do not burst
    User& user = users_[mine[pick(rng)]];
    if (user.relay.empty()) continue;  // its last write is in doubt
    if (coin(rng) < options_.write_fraction) {
      ++report.writes;
      if (Write(user, report) != Outcome::kOk) ++report.writes_failed;
    } else {
      ++report.reads;
      Outcome o = Lookup(user, report);
      if (o == Outcome::kWrong) ++report.wrong;
      if (o == Outcome::kFailed) ++report.reads_failed;
    }
  }
}

std::optional<OperationReport> RegistryLoad::Run() {
  auto started = Clock::now();
  if (!Discover()) return std::nullopt;
  std::vector<long> per_shard(static_cast<std::size_t>(shards_), 0);
  for (long i = 0;; ++i) {
    long total = static_cast<long>(users_.size());
    if (options_.users_per_shard > 0 ? total == options_.users_per_shard * shards_
                                     : total == options_.users)
      break;
    std::string name = options_.user_prefix + std::to_string(i);
    int shard = ShardOf(name, shards_);
    long& count = per_shard[static_cast<std::size_t>(shard)];
    if (options_.users_per_shard > 0 && count >= options_.users_per_shard) continue;
    ++count;
    users_.push_back({name, shard, "relay-0", 0});
  }
  OperationReport report;
  report.mode = "registry";
  if (!Register(report)) {
    error_ = "could not register " + std::to_string(report.setup_failed) + " users";
    return std::nullopt;
  }
  std::printf("loadgen: registry registered %zu users on %d shards\n", users_.size(), shards_);
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
    RefreshRoutes();
  }
  stop_ = true;
  for (auto& t : threads) t.join();
  for (const auto& r : reports) report.Add(r);
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return report;
}

}  // namespace baton::examples::loadgen

#include "registry_server.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "exclusive_port.h"
#include "shard_hash.h"
#include "successor_address.h"
#include "token_bucket.h"

namespace baton::examples::session {
namespace {

constexpr const char* kForwardedHeader = "X-Registry-Forwarded";
constexpr const char* kUserPattern = "[A-Za-z0-9._-]+";
// A batch per loop turn at most; a turn is ~5 ms, so this never limits a pace
// below a million entries per second.
constexpr std::size_t kMaxBatch = 5000;

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

bool ValidUser(const std::string& user) {
  if (user.empty() || user.size() > 200) return false;
  return std::all_of(user.begin(), user.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// [["user","relay"],...]; nullopt when malformed.
std::optional<RegistryEntries> ParseEntries(const nlohmann::json& j) {
  if (!j.is_array()) return std::nullopt;
  RegistryEntries out;
  out.reserve(j.size());
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string())
      return std::nullopt;
    std::string user = e[0].get<std::string>();
    if (!ValidUser(user)) return std::nullopt;
    out.emplace_back(std::move(user), e[1].get<std::string>());
  }
  return out;
}

nlohmann::json EntriesJson(const RegistryEntries& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [user, relay] : entries) out.push_back({user, relay});
  return out;
}

std::string Describe(const std::optional<HostPort>& hp) {
  return hp ? hp->ToString() : "";
}

}  // namespace

RegistryServer::RegistryServer(RegistryOptions options, DrainState& drain)
    : options_(std::move(options)),
      drain_(drain),
      peers_(std::chrono::milliseconds(1000), std::chrono::milliseconds(5000)) {
  if (!options_.directory_path.empty()) directory_.emplace(options_.directory_path);
}

RegistryServer::~RegistryServer() {
  Stop();
}

int RegistryServer::Listen() {
  int threads = options_.threads;
  // httplib takes ownership of the queue it is handed (and deletes it).
  server_.new_task_queue = [threads] {
    return std::make_unique<httplib::ThreadPool>(threads).release();
  };
  // Clients and peers keep their connections: without a high cap httplib
  // closes one every 5 requests and loopback runs out of ports in TIME_WAIT.
  server_.set_keep_alive_max_count(1000000);
  server_.set_tcp_nodelay(true);  // else Nagle + delayed ACK: 40 ms per answer
  server_.set_payload_max_length(64 << 20);
  Route();
  ListenExclusively(server_);
  bound_port_ = options_.port == 0
                    ? server_.bind_to_any_port(options_.host)
                    : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (bound_port_ < 0) {
    error_ = "cannot bind registry on " + options_.host + ":" + std::to_string(options_.port);
    return -1;
  }
  self_ = options_.host + ":" + std::to_string(bound_port_);
  return bound_port_;
}

void RegistryServer::Start() {
  server_thread_ = std::thread([this] { server_.listen_after_bind(); });
  handover_thread_ = std::thread([this] { HandoverLoop(); });
}

void RegistryServer::Route() {
  server_.Get("/info", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu_);
    Reply(res, 200,
          {{"shard", options_.shard},
           {"shards", options_.shards},
           {"instanceId", options_.instance_id},
           {"entries", table_.size()},
           {"inFlight", table_.in_flight()},
           {"handingOver", table_.handing_over()},
           {"predecessor", Describe(predecessor_)},
           {"successor", Describe(forward_to_)}});
  });
  std::string user_path = std::string("/users/(") + kUserPattern + ")";
  server_.Get(user_path, [this](const httplib::Request& req, httplib::Response& res) {
    GetUser(req.matches[1], req.has_header(kForwardedHeader), res);
  });
  server_.Put(user_path, [this](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("relay") || !body["relay"].is_string()) {
      Reply(res, 400, {{"error", "body must be {\"relay\": \"...\"}"}});
      return;
    }
    PutUser(req.matches[1], body["relay"].get<std::string>(), req.has_header(kForwardedHeader),
            res);
  });
  server_.Delete(user_path, [this](const httplib::Request& req, httplib::Response& res) {
    DeleteUser(req.matches[1], req.has_header(kForwardedHeader), res);
  });
  server_.Post("/users", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::optional<RegistryEntries> entries;
    if (body.is_object() && body.contains("entries")) entries = ParseEntries(body["entries"]);
    if (!entries) {
      Reply(res, 400, {{"error", "body must be {\"entries\": [[\"user\", \"relay\"], ...]}"}});
      return;
    }
    PutMany(*entries, req.has_header(kForwardedHeader), res);
  });
  for (std::string step : {"begin", "entries", "end"}) {
    server_.Post("/handover/" + step,
                 [this, step](const httplib::Request& req, httplib::Response& res) {
                   Receive(req, res, step);
                 });
  }
}

bool RegistryServer::OwnsUser(const std::string& user, httplib::Response& res) const {
  int shard = ShardOf(user, options_.shards);
  if (shard == options_.shard) return true;
  Reply(res, 421, {{"error", "wrong shard"}, {"shard", shard}});
  return false;
}

void RegistryServer::AwaitLanded(std::unique_lock<std::mutex>& lock, const std::string& user) {
  // A batch takes one HTTP round trip; 5 s covers a successor that is slow
  // to answer before the transfer fails and the entry comes back.
  landed_.wait_for(lock, std::chrono::seconds(5), [&] { return !table_.InFlight(user); });
}

void RegistryServer::Report() {
  drain_.SetSessions(static_cast<long>(table_.size()));
}

RegistryServer::Answer RegistryServer::Call(const HostPort& to, const std::string& method,
                                            const std::string& path, const std::string& body) {
  auto lease = peers_.Borrow(to);
  httplib::Headers headers = {{kForwardedHeader, "1"}};
  auto r = method == "GET"      ? lease->Get(path.c_str(), headers)
           : method == "PUT"    ? lease->Put(path.c_str(), headers, body, "application/json")
           : method == "DELETE" ? lease->Delete(path.c_str(), headers)
                                : lease->Post(path.c_str(), headers, body, "application/json");
  if (!r) {
    lease.Discard();
    return {};
  }
  return {r->status, r->body};
}

void RegistryServer::Relay(const Answer& answer, httplib::Response& res) const {
  if (answer.status == 0) {
    // Unknown, not "absent": the client retries rather than count a miss.
    res.set_header("Retry-After", "1");
    Reply(res, 503, {{"error", "successor unreachable"}});
    return;
  }
  res.status = answer.status;
  res.set_content(answer.body, "application/json");
}

void RegistryServer::GetUser(const std::string& user, bool forwarded, httplib::Response& res) {
  if (!OwnsUser(user, res)) return;
  std::optional<HostPort> successor;
  std::optional<HostPort> predecessor;
  {
    std::lock_guard lock(mu_);
    if (auto relay = table_.Find(user)) {
      Reply(res, 200, {{"user", user}, {"relay", *relay}});
      return;
    }
    successor = forward_to_;
    predecessor = predecessor_;
  }
  if (!forwarded && successor) {
    Relay(Call(*successor, "GET", "/users/" + user, ""), res);
    return;
  }
  if (!forwarded && predecessor) {
    Answer a = Call(*predecessor, "GET", "/users/" + user, "");
    if (a.status == 200) {
      Relay(a, res);
      return;
    }
    // Not there (or gone): the batch holding it may have landed meanwhile.
    std::lock_guard lock(mu_);
    if (auto relay = table_.Find(user)) {
      Reply(res, 200, {{"user", user}, {"relay", *relay}});
      return;
    }
  }
  Reply(res, 404, {{"error", "not found"}});
}

void RegistryServer::PutUser(const std::string& user, const std::string& relay, bool forwarded,
                             httplib::Response& res) {
  if (!OwnsUser(user, res)) return;
  std::optional<HostPort> successor;
  {
    std::unique_lock lock(mu_);
    AwaitLanded(lock, user);
    if (table_.InFlight(user)) {
      res.set_header("Retry-After", "1");
      Reply(res, 503, {{"error", "entry in transfer"}});
      return;
    }
    // While handing over, a user this pod does not hold belongs to the
    // successor: it was moved, or is new and must not grow this pod.
    if (table_.Holds(user) || forwarded || !forward_to_) {
      table_.Put(user, relay);
      Report();
      Reply(res, 200, {{"user", user}, {"relay", relay}});
      return;
    }
    successor = forward_to_;
  }
  Relay(Call(*successor, "PUT", "/users/" + user, nlohmann::json{{"relay", relay}}.dump()), res);
}

void RegistryServer::DeleteUser(const std::string& user, bool forwarded, httplib::Response& res) {
  if (!OwnsUser(user, res)) return;
  std::optional<HostPort> predecessor;
  {
    std::lock_guard lock(mu_);
    predecessor = predecessor_;
  }
  bool deleted_there = false;
  // The predecessor first: otherwise a copy still on its way here would
  // bring the user back after this pod deleted it.
  if (!forwarded && predecessor) {
    deleted_there = Call(*predecessor, "DELETE", "/users/" + user, "").status == 200;
  }
  std::optional<HostPort> successor;
  {
    std::unique_lock lock(mu_);
    AwaitLanded(lock, user);
    if (table_.InFlight(user)) {
      res.set_header("Retry-After", "1");
      Reply(res, 503, {{"error", "entry in transfer"}});
      return;
    }
    if (table_.Erase(user)) {
      Report();
      Reply(res, 200, {{"user", user}});
      return;
    }
    if (!forwarded) successor = forward_to_;
  }
  if (successor) {
    Relay(Call(*successor, "DELETE", "/users/" + user, ""), res);
    return;
  }
  if (deleted_there) {
    Reply(res, 200, {{"user", user}});
  } else {
    Reply(res, 404, {{"error", "not found"}});
  }
}

void RegistryServer::PutMany(const RegistryEntries& entries, bool forwarded,
                             httplib::Response& res) {
  for (const auto& [user, relay] : entries) {
    if (!OwnsUser(user, res)) return;
  }
  RegistryEntries elsewhere;
  std::optional<HostPort> successor;
  std::size_t applied = 0;
  {
    std::unique_lock lock(mu_);
    for (const auto& [user, relay] : entries) {
      AwaitLanded(lock, user);
      if (table_.InFlight(user)) {
        res.set_header("Retry-After", "1");
        Reply(res, 503, {{"error", "entry in transfer"}, {"applied", applied}});
        Report();
        return;
      }
      if (table_.Holds(user) || forwarded || !forward_to_) {
        table_.Put(user, relay);
        ++applied;
      } else {
        elsewhere.emplace_back(user, relay);
      }
    }
    Report();
    successor = forward_to_;
  }
  if (!elsewhere.empty()) {
    Answer a = Call(*successor, "POST", "/users",
                    nlohmann::json{{"entries", EntriesJson(elsewhere)}}.dump());
    if (a.status != 200) {
      Relay(a, res);
      return;
    }
    applied += elsewhere.size();
  }
  Reply(res, 200, {{"applied", applied}});
}

void RegistryServer::Receive(const httplib::Request& req, httplib::Response& res,
                             const std::string& step) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  std::optional<HostPort> from;
  if (body.is_object() && body.contains("from") && body["from"].is_string())
    from = ParseHostPort(body["from"].get<std::string>());
  if (!from) {
    Reply(res, 400, {{"error", "\"from\" must be host:port"}});
    return;
  }
  if (step == "end") {
    std::lock_guard lock(mu_);
    if (predecessor_ == from) predecessor_.reset();
    Reply(res, 200, {{"instanceId", options_.instance_id}});
    return;
  }
  // A successor of another shard would serve entries it does not own.
  if (body.value("shard", -1) != options_.shard || body.value("shards", -1) != options_.shards) {
    Reply(res, 409,
          {{"error", "shard mismatch"}, {"shard", options_.shard}, {"shards", options_.shards}});
    return;
  }
  std::optional<RegistryEntries> entries;
  if (step == "entries") {
    if (body.contains("entries")) entries = ParseEntries(body["entries"]);
    if (!entries) {
      Reply(res, 400, {{"error", "entries must be [[\"user\", \"relay\"], ...]"}});
      return;
    }
  }
  std::lock_guard lock(mu_);
  predecessor_ = from;
  std::size_t imported = 0;
  if (entries) {
    for (const auto& [user, relay] : *entries) imported += table_.Import(user, relay) ? 1 : 0;
    Report();
  }
  Reply(res, 200, {{"instanceId", options_.instance_id}, {"imported", imported}});
}

void RegistryServer::ApplyDrain(const DrainSnapshot& s) {
  if (!s.draining()) {
    std::lock_guard lock(mu_);
    table_.StopHandover();
    // Entries already moved stay with the successor: keep sending it the
    // lookups and writes this pod cannot answer.
    if (moved_ == 0) forward_to_.reset();
    return;
  }
  if (directory_) directory_->Refresh();
  const ServingDirectory* directory =
      directory_ && directory_->current() ? &*directory_->current() : nullptr;
  auto target = ResolveSuccessor(s.drain->successor, bound_port_, directory);
  if (target && target->ToString() == self_) target.reset();
  const bool retry = s.generation == resolved_generation_;
  resolved_generation_ = s.generation;
  if (!target && !retry) {
    std::fprintf(stderr,
                 "session: drain without a usable successor (%s): nothing can be handed over\n",
                 s.drain->successor.empty() ? "none given" : s.drain->successor.c_str());
  }
  if (target != target_) {
    begun_ = false;
    ended_ = false;
    target_ = target;
  }
  if (target_) {
    std::lock_guard lock(mu_);
    table_.BeginHandover();
  }
  if (target_ && !begun_) SendBegin();
}

bool RegistryServer::SendBegin() {
  nlohmann::json body = {{"from", self_}, {"shard", options_.shard}, {"shards", options_.shards}};
  Answer a = Call(*target_, "POST", "/handover/begin", body.dump());
  begun_ = a.status == 200;
  if (begun_) {
    // Only a successor that took the handover on gets what this pod lacks.
    std::lock_guard lock(mu_);
    forward_to_ = target_;
  } else if (a.status != last_refusal_) {
    std::fprintf(stderr, "session: successor %s refused the handover (status %d): %s\n",
                 target_->ToString().c_str(), a.status, a.body.c_str());
  }
  last_refusal_ = a.status;
  return begun_;
}

bool RegistryServer::SendBatch(std::size_t n, std::size_t* sent) {
  RegistryEntries batch;
  {
    std::lock_guard lock(mu_);
    batch = table_.TakeBatch(n);
  }
  *sent = 0;
  if (batch.empty()) return true;
  nlohmann::json body = {{"from", self_},
                         {"shard", options_.shard},
                         {"shards", options_.shards},
                         {"entries", EntriesJson(batch)}};
  bool ok = Call(*target_, "POST", "/handover/entries", body.dump()).status == 200;
  {
    std::lock_guard lock(mu_);
    if (ok) {
      table_.Acknowledge(batch);
      moved_ += batch.size();
      *sent = batch.size();
    } else {
      table_.Release(batch);
    }
    Report();
  }
  landed_.notify_all();
  return ok;
}

bool RegistryServer::SendEnd() {
  return Call(*target_, "POST", "/handover/end", nlohmann::json{{"from", self_}}.dump()).status ==
         200;
}

void RegistryServer::HandoverLoop() {
  using Clock = std::chrono::steady_clock;
  std::uint64_t applied = 0;
  std::optional<TokenBucket> pacer;
  Clock::time_point retry_at{};
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    DrainSnapshot s = drain_.Read();
    auto now = Clock::now();
    if (s.draining() && !target_ && s.generation == applied && now >= retry_at) {
      // A successor named by pod name may reach the directory file a moment
      // after the drain request: look it up again rather than never moving.
      ApplyDrain(s);
      if (!target_) retry_at = now + std::chrono::milliseconds(200);
    }
    if (s.generation != applied) {
      ApplyDrain(s);
      if (s.draining()) {
        // At most pace x 0.1 + max(1, pace x 0.01) entries in any 100 ms.
        double capacity = std::max(1.0, s.drain->pace * 0.01);
        if (pacer) {
          pacer->SetRate(s.drain->pace, capacity, now);
        } else {
          pacer.emplace(s.drain->pace, capacity, now);
        }
      } else {
        pacer.reset();
      }
      applied = s.generation;
      drain_.Applied(applied);
    }
    bool more = false;
    if (s.draining() && target_ && now >= retry_at) {
      if (!begun_) SendBegin();
      if (begun_) {
        std::size_t queued = 0;
        {
          std::lock_guard lock(mu_);
          queued = table_.size() - table_.in_flight();
        }
        std::size_t n = 0;
        while (n < std::min(queued, kMaxBatch) && pacer->TryTake(now)) ++n;
        std::size_t sent = 0;
        if (n > 0 && !SendBatch(n, &sent)) retry_at = now + std::chrono::milliseconds(200);
        more = sent > 0 && sent == n;
        std::size_t left = 0;
        {
          std::lock_guard lock(mu_);
          left = table_.size();
        }
        if (left == 0 && !ended_) ended_ = SendEnd();
      } else {
        retry_at = now + std::chrono::milliseconds(200);
      }
    }
    std::unique_lock lock(mu_);
    stop_cv_.wait_for(lock, std::chrono::milliseconds(more ? 1 : 5), [this] { return stopping_; });
  }
}

RegistryServer::StopResult RegistryServer::Stop() {
  StopResult result;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !server_thread_.joinable()) return result;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (handover_thread_.joinable()) handover_thread_.join();
  result.draining = drain_.Read().draining();
  if (result.draining && target_) {
    // Baton deletes a draining shard only at or below its threshold: the
    // few left go now, unpaced.
    if (!begun_) SendBegin();
    auto deadline = std::chrono::steady_clock::now() + options_.final_handover;
    while (begun_ && std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (!table_.handing_over()) table_.BeginHandover();
        if (table_.size() == 0) break;
      }
      std::size_t sent = 0;
      if (!SendBatch(kMaxBatch, &sent)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      result.handed_over += sent;
    }
    bool empty = false;
    {
      std::lock_guard lock(mu_);
      empty = table_.size() == 0;
    }
    if (empty && !ended_) ended_ = SendEnd();
  }
  {
    std::lock_guard lock(mu_);
    result.left = table_.size();
  }
  if (server_thread_.joinable()) {
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    server_.stop();
    server_thread_.join();
  }
  return result;
}

}  // namespace baton::examples::session

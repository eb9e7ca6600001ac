#include "relay_process.h"

#include <httplib.h>

#include <regex>
#include <thread>

namespace baton::examples::testing {

RelayProcess::RelayProcess(const std::string& host, const std::string& log_prefix,
                           const std::vector<std::string>& extra_args)
    : host_(host) {
  std::vector<std::string> args = {"--host", host, "--max-sessions", "12000"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(RELAY_BIN, args, log_prefix);
  auto line = process_->WaitForLine("relay: listening", std::chrono::seconds(10));
  if (!line) return;
  std::smatch m;
  std::regex re(R"(sessions=[0-9.]+:([0-9]+) drain=[0-9.]+:([0-9]+)/)");
  if (std::regex_search(*line, m, re)) {
    session_port_ = std::stoi(m[1]);
    drain_port_ = std::stoi(m[2]);
  }
}

namespace {

DrainAnswer ToAnswer(const httplib::Result& r) {
  DrainAnswer a;
  if (!r) return a;
  a.status = r->status;
  a.body = nlohmann::json::parse(r->body, nullptr, false);
  return a;
}

httplib::Headers Auth(const std::string& token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace

DrainAnswer RelayProcess::Get(const std::string& query, const std::string& token) const {
  httplib::Client client(host_, drain_port_);
  client.set_read_timeout(35, 0);  // above the 30 s long-poll cap
  return ToAnswer(client.Get(("/drain" + query).c_str(), Auth(token)));
}

DrainAnswer RelayProcess::Post(const std::string& verb, const std::string& body,
                               const std::string& token) const {
  httplib::Client client(host_, drain_port_);
  client.set_read_timeout(5, 0);
  return ToAnswer(client.Post(("/drain/" + verb).c_str(), Auth(token), body, "application/json"));
}

long RelayProcess::WaitForSessions(long target, bool exact,
                                   std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  long last = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::string query = "?waitMs=" + std::to_string(std::min<long>(left.count(), 5000));
    if (!exact) query += "&threshold=" + std::to_string(target);
    if (last >= 0) query += "&lastSessions=" + std::to_string(last);
    DrainAnswer a = Get(query);
    if (a.status != 200 || !a.body.contains("sessions")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    last = a.body["sessions"].get<long>();
    if (exact ? last == target : last <= target) return last;
  }
  return last;
}

std::string DirectoryJson(const std::vector<std::pair<std::string, const RelayProcess*>>& relays) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [pod, relay] : relays) {
    endpoints.push_back({{"pod", pod},
                         {"address", relay->host()},
                         {"port", relay->session_port()},
                         {"sessions", 0},
                         {"revision", "1"}});
  }
  return nlohmann::json{{"tier", "relay"},
                        {"namespace", "test"},
                        {"revision", "1"},
                        {"updatedAt", "2025-01-01T00:00:00Z"},
                        {"endpoints", endpoints}}
      .dump();
}

}  // namespace baton::examples::testing

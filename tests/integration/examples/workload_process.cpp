#include "workload_process.h"

#include <httplib.h>

#include <ctime>
#include <fstream>
#include <regex>
#include <thread>

namespace baton::examples::testing {

WorkloadProcess::WorkloadProcess(const std::string& program, const std::string& name,
                                 const std::string& serve_key, const std::string& host,
                                 const std::string& log_prefix,
                                 const std::vector<std::string>& extra_args,
                                 const std::vector<std::string>& drain_auth_args)
    : host_(host) {
  std::vector<std::string> args = {"--host", host};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.insert(args.end(), drain_auth_args.begin(), drain_auth_args.end());
  process_ = std::make_unique<ChildProcess>(program, args, log_prefix);
  auto line = process_->WaitForLine(name + ": listening", std::chrono::seconds(10));
  if (!line) return;
  std::smatch m;
  std::regex re(serve_key + R"(=[0-9.]+:([0-9]+) drain=[0-9.]+:([0-9]+)/)");
  if (std::regex_search(*line, m, re)) {
    serve_port_ = std::stoi(m[1]);
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

DrainAnswer WorkloadProcess::Get(const std::string& query, const std::string& token) const {
  httplib::Client client(host_, drain_port_);
  client.set_read_timeout(35, 0);  // above the 30 s long-poll cap
  return ToAnswer(client.Get(("/drain" + query).c_str(), Auth(token)));
}

DrainAnswer WorkloadProcess::Post(const std::string& verb, const std::string& body,
                                  const std::string& token) const {
  httplib::Client client(host_, drain_port_);
  client.set_read_timeout(5, 0);
  return ToAnswer(client.Post(("/drain/" + verb).c_str(), Auth(token), body, "application/json"));
}

long WorkloadProcess::WaitForSessions(long target, bool exact,
                                      std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Start from the current count, so that every long-poll answers on a change.
  DrainAnswer now = Get();
  long last =
      now.status == 200 && now.body.contains("sessions") ? now.body["sessions"].get<long>() : -1;
  if (last >= 0 && (exact ? last == target : last <= target)) return last;
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

std::string WorkloadDirectoryJson(
    const std::string& tier,
    const std::vector<std::pair<std::string, const WorkloadProcess*>>& pods) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [pod, w] : pods) {
    endpoints.push_back({{"pod", pod},
                         {"address", w->host()},
                         {"port", w->serve_port()},
                         {"sessions", 0},
                         {"revision", "1"}});
  }
  return nlohmann::json{{"tier", tier},
                        {"namespace", "test"},
                        {"revision", "1"},
                        {"updatedAt", "2025-01-01T00:00:00Z"},
                        {"endpoints", endpoints}}
      .dump();
}

std::string DrainDeadlineIn(std::chrono::seconds from_now) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json ReadReport(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

}  // namespace baton::examples::testing

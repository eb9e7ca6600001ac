#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "child_process.h"

namespace baton::examples::testing {

// An HTTP answer from a workload's drain endpoint: status 0 when unreachable.
struct DrainAnswer {
  int status = 0;
  nlohmann::json body;
};

// How a test's workload authenticates drain calls. Most of these tests are
// about the contract, not about who may call it, so they opt out explicitly;
// the ones about authentication pass their own flags.
inline const std::vector<std::string> kUnauthenticatedDrain = {"--drain-allow-unauthenticated"};

// An example workload binary (relay, session, business) on a loopback address
// with free ports it picked itself, parsed from its "<name>: listening" line
// ("<serve_key>=HOST:PORT ... drain=HOST:PORT/..."), and a drain-contract client.
class WorkloadProcess {
 public:
  // `serve_key` names the serving address in the startup line: "sessions"
  // for relay, "registry" for session, "http" for business.
  WorkloadProcess(const std::string& program, const std::string& name, const std::string& serve_key,
                  const std::string& host, const std::string& log_prefix,
                  const std::vector<std::string>& extra_args = {},
                  const std::vector<std::string>& drain_auth_args = kUnauthenticatedDrain);

  // False if the program did not print its listening line within 10 s.
  bool started() const { return serve_port_ > 0 && drain_port_ > 0; }
  const std::string& host() const { return host_; }
  int serve_port() const { return serve_port_; }
  int drain_port() const { return drain_port_; }
  std::string serve_address() const { return host_ + ":" + std::to_string(serve_port_); }
  ChildProcess& process() { return *process_; }

  DrainAnswer Get(const std::string& query = "", const std::string& token = "") const;
  DrainAnswer Post(const std::string& verb, const std::string& body,
                   const std::string& token = "") const;
  // Long-polls until sessions <= target (or == target when exact), bounded by
  // timeout; the last count seen, or -1 if the endpoint never answered.
  long WaitForSessions(long target, bool exact, std::chrono::milliseconds timeout) const;

 private:
  std::string host_;
  int serve_port_ = 0;
  int drain_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// A serving-directory document listing (pod name, workload) pairs.
std::string WorkloadDirectoryJson(
    const std::string& tier,
    const std::vector<std::pair<std::string, const WorkloadProcess*>>& pods);

// RFC 3339 (UTC, whole seconds) `from_now` in the future.
std::string DrainDeadlineIn(std::chrono::seconds from_now);

// A load generator's --report file; a discarded (null) value if unreadable.
nlohmann::json ReadReport(const std::string& path);

}  // namespace baton::examples::testing

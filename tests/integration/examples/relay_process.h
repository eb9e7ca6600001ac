#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "child_process.h"

namespace baton::examples::testing {

// An HTTP answer from a relay's drain endpoint: status 0 when unreachable.
struct DrainAnswer {
  int status = 0;
  nlohmann::json body;
};

// The real relay binary on a loopback address, with free ports it picked
// itself (parsed from its startup line), and a drain-contract client.
class RelayProcess {
 public:
  RelayProcess(const std::string& host, const std::string& log_prefix,
               const std::vector<std::string>& extra_args = {});

  // False if the relay did not print its listening line within 10 s.
  bool started() const { return session_port_ > 0 && drain_port_ > 0; }
  const std::string& host() const { return host_; }
  int session_port() const { return session_port_; }
  std::string session_address() const { return host_ + ":" + std::to_string(session_port_); }
  ChildProcess& process() { return *process_; }

  DrainAnswer Get(const std::string& query = "", const std::string& token = "") const;
  DrainAnswer Post(const std::string& verb, const std::string& body,
                   const std::string& token = "") const;
  // Long-polls until sessions <= threshold (or == exactly, when exact), bounded by timeout;
  // returns the last count seen, or -1 if the endpoint never answered.
  long WaitForSessions(long target, bool exact, std::chrono::milliseconds timeout) const;

 private:
  std::string host_;
  int session_port_ = 0;
  int drain_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// A serving-directory document listing the given relays (pod name, relay).
std::string DirectoryJson(const std::vector<std::pair<std::string, const RelayProcess*>>& relays);

}  // namespace baton::examples::testing

// Shared pieces of the watch/informer/lease integration tests: a RestClient
// on the test cluster, a gate that holds a reflector between two watches,
// the apiserver audit log, and child processes with a stdout line reader.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kube/rest_client.h"
#include "test_cluster.h"

namespace baton::kube::testing {

// A client for the test cluster; user_agent lets the audit log tell this
// client's requests apart.
std::unique_ptr<RestClient> MakeClient(const std::string& user_agent = {});

// Polls pred every 20 ms until true or timeout; returns the last answer.
bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& pred);

// Closed: a thread calling Pass() blocks until Open().
class Gate {
 public:
  void Pass();
  void Close();
  void Open();
  // True while some thread is blocked in Pass().
  bool HasWaiter();

 private:
  std::mutex mutex_;
  std::condition_variable cond_;
  bool open_ = true;
  int waiters_ = 0;
};

// Audit events (JSON lines in $BATON_AUDIT_LOG, or the cluster's default
// location) of one user agent.
std::vector<nlohmann::json> AuditEvents(const std::string& user_agent);
// Distinct requests (auditIDs) of `verb` by `user_agent` on `resource` in `ns`.
int CountAuditedRequests(const std::string& user_agent, const std::string& verb,
                         const std::string& resource, const std::string& ns);

// The cluster directory of the running cluster (BATON_CLUSTER_DIR, default
// /tmp/baton-cluster).
std::string ClusterDir();
// True when the tests may restart kube-apiserver and compact etcd: only on a
// cluster of one's own (BATON_CLUSTER_FAULTS=1).
bool FaultsAllowed();
// True when kube-apiserver runs with --watch-cache=false (a resume from a
// compacted version then answers 410).
bool WatchCacheDisabled();
// scripts/cluster <args>; fails the test on non-zero exit.
void ClusterScript(const std::vector<std::string>& args);

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Kill(int signal);
  // Waits for exit; returns the wait status (-1 on timeout).
  int Wait(std::chrono::milliseconds timeout);
  // Lines printed so far, each with the time it was read.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> Lines();
  bool WaitForLine(const std::string& prefix, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> lines_;
  std::thread reader_;
};

}  // namespace baton::kube::testing

#pragma once

// The session registry's wire protocol: HTTP/1.1 with JSON bodies on the
// registry port (--port; the drain contract has its own port). User names
// match [A-Za-z0-9._-]+.
//
//   GET    /info                 {"shard","shards","instanceId","entries","inFlight",
//                                 "predecessor","successor","handingOver"}
//   GET    /users/{user}         200 {"user","relay"} | 404 {"error":"not found"}
//   PUT    /users/{user}         body {"relay":"..."}  -> 200 {"user","relay"}
//   DELETE /users/{user}         200 {"user"} | 404
//   POST   /users                body {"entries":[["user","relay"],...]} -> 200 {"applied":n}
//   a user of another shard: 421 {"error":"wrong shard","shard":k}
//   a successor that cannot be reached mid-handover: 503 with Retry-After
//
// Between the shards of one ordinal (a draining pod and its successor):
//   POST /handover/begin         {"from":"host:port","shard","shards"}
//   POST /handover/entries       {"from","shard","shards","entries":[["user","relay"],...]}
//   POST /handover/end           {"from"}
//   409 when shard or shard count differ (a successor of another shard).
// A request carrying "X-Registry-Forwarded: 1" came from the other side of a
// handover and is answered from this pod's own table only, never forwarded
// again (no loops).
//
// Why lookups never miss during a handover (old pod A, successor B):
// - A hands entries over in paced batches. An entry stays in A's table until
//   B has acknowledged the batch holding it, so at every instant each entry
//   is held by A or by B, and A knows which: what A does not hold any more,
//   B holds.
// - A answers lookups from its table and forwards the rest to B. B answers
//   from its table and, while A is still handing over, asks A about a miss
//   (then looks again locally: the batch may have landed meanwhile).
// - Writes: A updates entries it still holds (they travel later with their
//   new value) and forwards writes for anything else to B. A write to an
//   entry in flight waits until the batch lands on one side. An entry B
//   already holds is newer than the copy A sends (B keeps its own).
// - A reports sessions = entries it still holds, so it reports 0 only after
//   every entry was acknowledged by B.
// Before the drain request reaches A, B does not know A: a client that
// switched to B already falls back to the shard's previous address on a miss
// (the load generator does).

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "drain_state.h"
#include "host_port.h"
#include "http_client_pool.h"
#include "registry_table.h"
#include "serving_directory.h"

namespace baton::examples::session {

struct RegistryOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int shard = 0;
  int shards = 1;
  std::string instance_id;
  // Serving directory file, to resolve a successor given as a pod name.
  std::string directory_path;
  // SIGTERM while draining: hand over what is left at once, for this long.
  std::chrono::milliseconds final_handover{2000};
  int threads = 64;
};

// One shard of the session registry: its HTTP API, its table, and the
// handover of the table to a successor that the drain asks for.
class RegistryServer {
 public:
  RegistryServer(RegistryOptions options, DrainState& drain);
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  // Binds the registry port; returns it, or -1 with error().
  int Listen();
  // Serves and runs the handover loop in background threads.
  void Start();

  struct StopResult {
    bool draining = false;
    std::size_t handed_over = 0;  // at the stop, unpaced
    std::size_t left = 0;         // still held when the server stopped
  };
  // SIGTERM: while draining, hands over what is left at once (bounded by
  // final_handover), then stops serving.
  StopResult Stop();
  const std::string& error() const { return error_; }

 private:
  struct Answer {
    int status = 0;  // 0: the peer could not be reached
    std::string body;
  };

  void Route();
  void GetUser(const std::string& user, bool forwarded, httplib::Response& res);
  void PutUser(const std::string& user, const std::string& relay, bool forwarded,
               httplib::Response& res);
  void DeleteUser(const std::string& user, bool forwarded, httplib::Response& res);
  void PutMany(const RegistryEntries& entries, bool forwarded, httplib::Response& res);
  void Receive(const httplib::Request& req, httplib::Response& res, const std::string& step);
  bool OwnsUser(const std::string& user, httplib::Response& res) const;
  // Waits (bounded) until `user` is not in flight. Caller holds `lock`.
  void AwaitLanded(std::unique_lock<std::mutex>& lock, const std::string& user);
  void Report();  // sessions = entries held; caller holds mu_

  Answer Call(const HostPort& to, const std::string& method, const std::string& path,
              const std::string& body);
  void Relay(const Answer& answer, httplib::Response& res) const;

  void HandoverLoop();
  void ApplyDrain(const DrainSnapshot& s);
  // Sets begun_ (and forward_to_ once the successor accepts).
  bool SendBegin();
  // Takes up to `n` entries, sends them; false if the successor did not take them.
  bool SendBatch(std::size_t n, std::size_t* sent);
  bool SendEnd();

  RegistryOptions options_;
  DrainState& drain_;
  httplib::Server server_;
  std::thread server_thread_;
  std::thread handover_thread_;
  HttpClientPool peers_;
  std::optional<ServingDirectoryFile> directory_;
  int bound_port_ = 0;
  std::string error_;
  std::string self_;  // host:port, as "from" in handover calls

  mutable std::mutex mu_;
  std::condition_variable landed_;  // a batch was acknowledged or released
  RegistryTable table_;
  std::optional<HostPort> forward_to_;   // where entries this pod lacks are (successor)
  std::optional<HostPort> predecessor_;  // who is handing entries to this pod
  bool stopping_ = false;
  std::condition_variable stop_cv_;

  // Handover loop state (its thread only).
  std::optional<HostPort> target_;
  bool begun_ = false;
  bool ended_ = false;
  std::size_t moved_ = 0;
  int last_refusal_ = 200;                 // logs a refusing successor once, not every retry
  std::uint64_t resolved_generation_ = 0;  // the drain last resolved (logs once)
};

}  // namespace baton::examples::session

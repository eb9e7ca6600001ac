// A coordination.k8s.io/v1 Lease as a leader-election lock (client-go's
// resourcelock.LeaseLock): read the record, create it, or compare-and-swap
// it (the Update carries the resourceVersion last read, so two contenders
// cannot both win).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace baton::kube {

class RestClient;

struct LeaderElectionRecord {
  std::string holder_identity;  // "" = released
  int lease_duration_seconds = 0;
  // Wall-clock times as the Lease stores them (RFC 3339 with microseconds).
  std::string acquire_time;
  std::string renew_time;
  int lease_transitions = 0;

  bool operator==(const LeaderElectionRecord&) const = default;
};

// Lease spec <-> record. Pure.
LeaderElectionRecord RecordFromLease(const nlohmann::json& lease);
nlohmann::json LeaseSpecFromRecord(const LeaderElectionRecord& record);

class LeaseLock {
 public:
  LeaseLock(RestClient& client, std::string ns, std::string name, std::string identity);

  // nullopt when the Lease does not exist. Throws ApiError/TransportError.
  std::optional<LeaderElectionRecord> Get();
  // Throws ApiError (AlreadyExists when someone else created it first).
  void Create(const LeaderElectionRecord& record);
  // Compare-and-swap against the last Get/Create/Update; ApiError Conflict
  // when the Lease changed since.
  void Update(const LeaderElectionRecord& record);

  const std::string& identity() const { return identity_; }
  std::string Describe() const { return ns_ + "/" + name_; }

 private:
  RestClient& client_;
  std::string ns_;
  std::string name_;
  std::string identity_;
  nlohmann::json last_;  // the Lease as last read or written
};

}  // namespace baton::kube

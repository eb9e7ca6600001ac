#include "kube/lease_lock.h"

#include <cstdio>
#include <ctime>
#include <utility>

#include "kube/api_error.h"
#include "kube/rest_client.h"

namespace baton::kube {

using nlohmann::json;

LeaderElectionRecord RecordFromLease(const json& lease) {
  LeaderElectionRecord r;
  auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return r;
  auto str = [&](const char* key) {
    auto it = spec->find(key);
    return it != spec->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&](const char* key) {
    auto it = spec->find(key);
    return it != spec->end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  r.holder_identity = str("holderIdentity");
  r.lease_duration_seconds = num("leaseDurationSeconds");
  r.acquire_time = str("acquireTime");
  r.renew_time = str("renewTime");
  r.lease_transitions = num("leaseTransitions");
  return r;
}

json LeaseSpecFromRecord(const LeaderElectionRecord& r) {
  json spec = json::object();
  spec["holderIdentity"] = r.holder_identity;
  spec["leaseDurationSeconds"] = r.lease_duration_seconds;
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  spec["leaseTransitions"] = r.lease_transitions;
  return spec;
}

LeaseLock::LeaseLock(RestClient& client, std::string ns, std::string name, std::string identity)
    : client_(client), ns_(std::move(ns)), name_(std::move(name)), identity_(std::move(identity)) {}

std::optional<LeaderElectionRecord> LeaseLock::Get() {
  try {
    last_ = client_.Get(resources::kLeases, ns_, name_);
  } catch (const ApiError& e) {
    if (IsNotFound(e)) return std::nullopt;
    throw;
  }
  return RecordFromLease(last_);
}

void LeaseLock::Create(const LeaderElectionRecord& record) {
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", name_}, {"namespace", ns_}}},
                {"spec", LeaseSpecFromRecord(record)}};
  last_ = client_.Create(resources::kLeases, ns_, lease);
}

void LeaseLock::Update(const LeaderElectionRecord& record) {
  if (!last_.is_object()) throw std::logic_error("LeaseLock::Update before Get or Create");
  json lease = last_;
  lease["spec"] = LeaseSpecFromRecord(record);
  // last_ carries metadata.resourceVersion: the PUT is a compare-and-swap.
  last_ = client_.Update(resources::kLeases, ns_, lease);
}

}  // namespace baton::kube

// The metrics hooks of the controller: what one reconcile pass saw and
// decided (RolloutObserver, called by TierReconciler) and how each reconcile
// of a key ended (ReconcileObserver, called by TierController). The
// controller depends on no metrics library; operator/metrics implements these.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/tier_types.h"
#include "controller/pod_view.h"
#include "drain/drain_reading.h"
#include "rollout/plan.h"
#include "rollout/status_calculator.h"

namespace baton::controller {

// One pass over one tier, after its actions were carried out.
struct TierPass {
  const api::Tier& tier;
  const std::vector<PodView>& owned;
  const std::map<std::string, drain::DrainReading>& readings;
  const rollout::Plan& plan;
  const rollout::StatusResult& status;
  bool acted = false;  // every action of the plan succeeded
  std::chrono::system_clock::time_point now;
  // Sessions on serving pods that someone else deleted, first seen this pass.
  int64_t sessions_cut_by_others = 0;
};

class RolloutObserver {
 public:
  virtual ~RolloutObserver() = default;
  // Called on a worker thread, one tier at a time; must be cheap and not throw.
  virtual void OnPass(const TierPass& pass) = 0;
  // The tier is gone from the cache: drop what was reported for it.
  virtual void OnTierGone(api::TierKind kind, const std::string& ns, const std::string& name) = 0;
};

class ReconcileObserver {
 public:
  virtual ~ReconcileObserver() = default;
  // result: "success", "error" or "requeue_after" (controller-runtime's labels).
  virtual void OnReconcile(std::string_view result, std::chrono::steady_clock::duration took) = 0;
};

}  // namespace baton::controller

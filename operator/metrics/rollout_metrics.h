// Baton's rollout metrics, fed by TierReconciler after each pass:
//   baton_tier_info{namespace,name,kind,phase} 1
//   baton_tier_replicas_desired|updated|ready{namespace,name,kind}
//   baton_pod_sessions{namespace,tier,pod}          live sessions (known readings only)
//   baton_drain_sessions_left{namespace,tier,pod}   draining pods (known readings only)
//   baton_drain_duration_seconds{namespace,tier}    histogram of finished drains
//   baton_drain_sessions_cut_total{namespace,tier}  sessions cut by onTimeout Proceed
//   baton_rollouts_total{namespace,tier,result}     completed | rolled_back | degraded
// A series whose pod or tier is gone is removed, so a dashboard never shows a
// stale count as if it were live.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "controller/controller_observer.h"

namespace baton::metrics {

class RolloutMetrics final : public controller::RolloutObserver {
 public:
  explicit RolloutMetrics(prometheus::Registry& registry);
  void OnPass(const controller::TierPass& pass) override;
  void OnTierGone(api::TierKind kind, const std::string& ns, const std::string& name) override;

 private:
  // What was published for one tier, to remove what a later pass no longer has.
  struct Published {
    std::string phase;
    std::set<std::string> pods;      // baton_pod_sessions
    std::set<std::string> draining;  // baton_drain_sessions_left
    std::string kind;
  };
  void Forget(const std::string& ns, const std::string& name, const Published& p);

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Published> published_;  // (ns, name)
  prometheus::Family<prometheus::Gauge>& info_;
  prometheus::Family<prometheus::Gauge>& desired_;
  prometheus::Family<prometheus::Gauge>& updated_;
  prometheus::Family<prometheus::Gauge>& ready_;
  prometheus::Family<prometheus::Gauge>& pod_sessions_;
  prometheus::Family<prometheus::Gauge>& sessions_left_;
  prometheus::Family<prometheus::Histogram>& drain_duration_;
  prometheus::Family<prometheus::Counter>& sessions_cut_;
  prometheus::Family<prometheus::Counter>& rollouts_;
  prometheus::Family<prometheus::Counter>& evacuations_;
  prometheus::Family<prometheus::Counter>& failed_pods_replaced_;
};

}  // namespace baton::metrics

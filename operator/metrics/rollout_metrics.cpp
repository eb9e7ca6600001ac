#include "metrics/rollout_metrics.h"

#include "api/contract.h"
#include "metrics/rollout_sample.h"

namespace baton::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& Gauge(prometheus::Registry& r, std::string_view name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(std::string(name)).Help(help).Register(r);
}

// Drains take seconds to hours.
prometheus::Histogram::BucketBoundaries DrainBuckets() {
  return {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400};
}

template <typename T>
void RemoveIfPresent(prometheus::Family<T>& family, const prometheus::Labels& labels) {
  if (family.Has(labels)) family.Remove(&family.Add(labels));
}

}  // namespace

RolloutMetrics::RolloutMetrics(prometheus::Registry& registry)
    : info_(Gauge(registry, api::metric::kTierInfo, "A tier and its phase (value 1)")),
      desired_(Gauge(registry, api::metric::kTierReplicasDesired, "spec.replicas of the tier")),
      updated_(Gauge(registry, api::metric::kTierReplicasUpdated,
                     "Pods of the tier at the update revision")),
      ready_(Gauge(registry, api::metric::kTierReplicasReady, "Ready pods of the tier")),
      pod_sessions_(Gauge(registry, api::metric::kPodSessions,
                          "Live sessions of a pod as its drain endpoint last reported; absent "
                          "when unknown")),
      sessions_left_(Gauge(registry, api::metric::kDrainSessionsLeft,
                           "Sessions left on a draining pod; absent when unknown")),
      drain_duration_(prometheus::BuildHistogram()
                          .Name(std::string(api::metric::kDrainDurationSeconds))
                          .Help("Time from a drain's start to its pod's deletion")
                          .Register(registry)),
      sessions_cut_(
          prometheus::BuildCounter()
              .Name(std::string(api::metric::kDrainSessionsCutTotal))
              .Help("Sessions still open on pods deleted by onTimeout: Proceed, or deleted by "
                    "someone else while serving")
              .Register(registry)),
      rollouts_(prometheus::BuildCounter()
                    .Name(std::string(api::metric::kRolloutsTotal))
                    .Help("Rollouts that ended, by result")
                    .Register(registry)),
      evacuations_(prometheus::BuildCounter()
                       .Name(std::string(api::metric::kEvacuationsTotal))
                       .Help("Pods moved through a drain off a leaving node or by kubectl baton "
                             "drain")
                       .Register(registry)),
      failed_pods_replaced_(prometheus::BuildCounter()
                                .Name(std::string(api::metric::kFailedPodsReplacedTotal))
                                .Help("Failed pods replaced after their backoff")
                                .Register(registry)) {}

void RolloutMetrics::OnPass(const controller::TierPass& pass) {
  const RolloutSample s = SampleOf(pass);
  std::lock_guard lock(mu_);
  Published& was = published_[{s.ns, s.name}];
  const prometheus::Labels tier{{"namespace", s.ns}, {"name", s.name}, {"kind", s.kind}};

  if (!was.phase.empty() && was.phase != s.phase) {
    RemoveIfPresent(
        info_, {{"namespace", s.ns}, {"name", s.name}, {"kind", s.kind}, {"phase", was.phase}});
  }
  if (!s.phase.empty()) {
    info_.Add({{"namespace", s.ns}, {"name", s.name}, {"kind", s.kind}, {"phase", s.phase}}).Set(1);
  }
  desired_.Add(tier).Set(static_cast<double>(s.desired));
  updated_.Add(tier).Set(static_cast<double>(s.updated));
  ready_.Add(tier).Set(static_cast<double>(s.ready));

  auto publish = [&](prometheus::Family<prometheus::Gauge>& family,
                     const std::map<std::string, std::int64_t>& values,
                     std::set<std::string>& before) {
    std::set<std::string> now;
    for (const auto& [pod, v] : values) {
      family.Add({{"namespace", s.ns}, {"tier", s.name}, {"pod", pod}}).Set(static_cast<double>(v));
      now.insert(pod);
    }
    // Gone, or its count became unknown: no value is better than a stale one.
    for (const auto& pod : before) {
      if (!now.count(pod))
        RemoveIfPresent(family, {{"namespace", s.ns}, {"tier", s.name}, {"pod", pod}});
    }
    before = std::move(now);
  };
  publish(pod_sessions_, s.pod_sessions, was.pods);
  publish(sessions_left_, s.sessions_left, was.draining);

  const prometheus::Labels per_tier{{"namespace", s.ns}, {"tier", s.name}};
  auto& durations = drain_duration_.Add(per_tier, DrainBuckets());
  for (double d : s.drain_seconds) durations.Observe(d);
  auto& evacuations = evacuations_.Add(per_tier);
  if (s.evacuations > 0) evacuations.Increment(static_cast<double>(s.evacuations));
  auto& replaced = failed_pods_replaced_.Add(per_tier);
  if (s.failed_pods_replaced > 0) replaced.Increment(static_cast<double>(s.failed_pods_replaced));
  auto& cut = sessions_cut_.Add(per_tier);
  if (s.sessions_cut > 0) cut.Increment(static_cast<double>(s.sessions_cut));
  for (const auto& r : s.rollout_results) {
    rollouts_.Add({{"namespace", s.ns}, {"tier", s.name}, {"result", r}}).Increment();
  }
  was.phase = s.phase;
  was.kind = s.kind;
}

void RolloutMetrics::Forget(const std::string& ns, const std::string& name, const Published& p) {
  const prometheus::Labels tier{{"namespace", ns}, {"name", name}, {"kind", p.kind}};
  RemoveIfPresent(info_, {{"namespace", ns}, {"name", name}, {"kind", p.kind}, {"phase", p.phase}});
  RemoveIfPresent(desired_, tier);
  RemoveIfPresent(updated_, tier);
  RemoveIfPresent(ready_, tier);
  for (const auto& pod : p.pods) {
    RemoveIfPresent(pod_sessions_, {{"namespace", ns}, {"tier", name}, {"pod", pod}});
  }
  for (const auto& pod : p.draining) {
    RemoveIfPresent(sessions_left_, {{"namespace", ns}, {"tier", name}, {"pod", pod}});
  }
}

void RolloutMetrics::OnTierGone(api::TierKind, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = published_.find({ns, name});
  if (it == published_.end()) return;
  Forget(ns, name, it->second);
  published_.erase(it);
}

}  // namespace baton::metrics

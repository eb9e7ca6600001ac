// PURE: when a failed pod may be replaced. A pod that fails as soon as it
// starts (a bad image, a missing secret, a program that exits) would
// otherwise be replaced in a loop: thousands of creates and deletes a
// minute against the API server. Like the kubelet's crash-loop backoff, the
// wait doubles with each failure in a row of the same slot, up to a cap.
//
// The failed pod itself is the record: it stays, holding its slot, until its
// backoff has passed; its replacement is created before it is deleted and
// carries the count (annotation baton.dev/failed-attempts). Nothing lives
// in the operator's memory, so a restarted operator backs off the same.
#pragma once

#include <cstdint>

#include "rollout/observed_state.h"

namespace baton::rollout {

inline constexpr Seconds kFailedPodBackoffBase{5};
inline constexpr Seconds kFailedPodBackoffCap{300};
// A pod that ran this long before it failed starts a new series: one crash
// after an hour of service is not a crash loop (the kubelet resets its
// backoff after a container ran 10 minutes).
inline constexpr Seconds kFailedPodBackoffReset{600};
// From this many failures in a row on, the tier is Stalled (PodsFailing):
// retrying alone is not fixing it and a person must look.
inline constexpr std::int32_t kFailuresBeforeStalled = 3;

// When the pod failed: its last container's finish time, else when it
// stopped being Ready, else its creation (never before its creation).
TimePoint failedAt(const ObservedPod& pod);

// How many pods of this slot failed in a row, this one included: 1 + the
// count it was created with, or 1 when it ran kFailedPodBackoffReset or more.
std::int32_t failuresInARow(const ObservedPod& pod);

// The wait before replacing a pod that is the n-th failure in a row:
// base · 2^(n-1), capped. Worked numbers: 5 s, 10 s, 20 s, 40 s, 80 s, 160 s,
// then 300 s: a slot whose pods fail at once gets a new pod at 0, 5, 15, 35,
// 75, 155 and 315 s, seven pods in ten minutes instead of thousands.
Seconds failedPodBackoff(std::int32_t failures_in_a_row);

// The earliest time the failed pod may be replaced (and deleted).
TimePoint replaceFailedPodAt(const ObservedPod& pod);

}  // namespace baton::rollout

// PURE: a part of a plan made by one step of the planner (a drain's next
// step, the undo, stray drains): its actions, the Events that describe them
// and its waits. One home for the rule that ties an Event to the write it
// describes, and for splicing a part into the plan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rollout/plan.h"

namespace baton::rollout {

struct PlanFragment {
  std::vector<Action> actions;
  // after_action indexes `actions`; append() shifts it into the plan.
  std::vector<PlannedEvent> events;
  std::vector<Wait> waits;

  // An Event about the action pushed just before it (none: about no write).
  void emit(std::string_view reason, std::string pod, std::string message, bool warning = false) {
    std::optional<std::size_t> after;
    if (!actions.empty()) after = actions.size() - 1;
    events.push_back(PlannedEvent{reason, std::move(pod), std::move(message), warning, after});
  }
  void wait(WaitReason reason, std::string pod, std::string message) {
    waits.push_back(Wait{reason, std::move(pod), std::move(message)});
  }
  // Moves this part to the end of `into`: a Plan, or a larger fragment.
  template <class PlanOrFragment>
  void appendTo(PlanOrFragment& into) {
    const std::size_t offset = into.actions.size();
    for (Action& action : actions) into.actions.push_back(std::move(action));
    for (PlannedEvent& e : events) {
      if (e.after_action) *e.after_action += offset;
      into.events.push_back(std::move(e));
    }
    for (Wait& w : waits) into.waits.push_back(std::move(w));
    actions.clear();
    events.clear();
    waits.clear();
  }
};

}  // namespace baton::rollout

// The slim node the controller caches: name, spec.unschedulable and the
// taints' keys and effects — what node_departure.h needs to tell a leaving
// node, a few dozen bytes instead of a node's kilobytes of status.
#pragma once

#include <nlohmann/json.hpp>

#include "rollout/node_departure.h"

namespace baton::controller {

using NodeView = rollout::NodeState;

NodeView NodeViewFromJson(const nlohmann::json& node);

}  // namespace baton::controller

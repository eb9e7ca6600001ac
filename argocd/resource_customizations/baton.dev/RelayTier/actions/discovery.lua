-- ArgoCD resource actions of a Baton RelayTier or BusinessTier: which ones a
-- person may run now. SessionTier/actions/discovery.lua is the same without
-- scale (a session tier's replicas are its shard count). The action.lua
-- files of one name are byte-identical in every kind (tests/argocd checks).
--
-- pause and resume set spec.rollout.paused, restart sets
-- spec.rollout.restartAt, as `kubectl baton pause|resume|restart` do;
-- promote and abort, offered while a canary is under way, set the
-- baton.dev/promote and baton.dev/abort annotations (docs/canary.md).
-- Only the base library is used, so it runs from argocd-cm as it is.
local actions = {}

local paused = false
if type(obj.spec) == "table" and type(obj.spec.rollout) == "table" then
  paused = obj.spec.rollout.paused == true
end
actions["pause"] = {["disabled"] = paused}
actions["resume"] = {["disabled"] = not paused}
actions["restart"] = {}

local canaryUnderWay = false
if type(obj.status) == "table" and type(obj.status.canary) == "table" then
  local state = obj.status.canary.state
  canaryUnderWay = state == "Scaling" or state == "Baking" or state == "AwaitingPromotion"
end
actions["promote"] = {["disabled"] = not canaryUnderWay}
actions["abort"] = {["disabled"] = not canaryUnderWay}

local replicas = {["name"] = "replicas"}
if type(obj.spec) == "table" and type(obj.spec.replicas) == "number" then
  replicas["default"] = tostring(obj.spec.replicas)
end
actions["scale"] = {["params"] = {replicas}}

return actions

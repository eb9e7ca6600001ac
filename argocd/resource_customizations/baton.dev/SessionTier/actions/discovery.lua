-- ArgoCD resource actions of a Baton SessionTier: which ones a person may
-- run now. RelayTier/ and BusinessTier/ add scale; a session tier has none,
-- because its replicas are its shard count (spec.allowShardCountChange).
-- The action.lua files of one name are byte-identical in every kind
-- (tests/argocd checks).
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

return actions

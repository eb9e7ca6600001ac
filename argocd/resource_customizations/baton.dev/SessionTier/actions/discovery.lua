-- ArgoCD resource actions of a Baton SessionTier: which ones a person may
-- run now. RelayTier/ and BusinessTier/ add scale; a session tier has none,
-- because its replicas are its shard count (spec.allowShardCountChange).
-- The action.lua files of one name are byte-identical in every kind
-- (tests/argocd checks).
--
-- pause and resume set spec.rollout.paused, restart sets
-- spec.rollout.restartAt, as `kubectl baton pause|resume|restart` do.
-- Only the base library is used, so it runs from argocd-cm as it is.
local actions = {}

local paused = false
if type(obj.spec) == "table" and type(obj.spec.rollout) == "table" then
  paused = obj.spec.rollout.paused == true
end
actions["pause"] = {["disabled"] = paused}
actions["resume"] = {["disabled"] = not paused}
actions["restart"] = {}

return actions

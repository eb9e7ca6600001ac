-- Passes the canary's current step (its bake or its promotion gate), as
-- `kubectl baton promote`: the annotation baton.dev/promote =
-- "<revision>/<step>" from status.canary, so that it never moves a later
-- canary (docs/canary.md).
local canary = nil
if type(obj.status) == "table" and type(obj.status.canary) == "table" then
  canary = obj.status.canary
end
if canary == nil or type(canary.revision) ~= "string" or canary.revision == "" then
  error("no canary under way (status.canary is empty)", 0)
end
if canary.state == "Complete" or canary.state == "RolledBack" then
  error("the canary of revision " .. canary.revision .. " is " ..
    (canary.state == "Complete" and "complete" or "rolled back") .. ": nothing to do", 0)
end
local step = 0
if type(canary.step) == "number" then
  step = canary.step
end
if type(obj.metadata.annotations) ~= "table" then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["baton.dev/promote"] = canary.revision .. "/" .. tostring(step)
return obj

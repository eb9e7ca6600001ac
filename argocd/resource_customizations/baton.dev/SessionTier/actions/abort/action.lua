-- Rolls the canary back through the drain, as `kubectl baton abort`: the
-- annotation baton.dev/abort = the canary's revision (status.canary), so
-- that it never aborts a later canary (docs/canary.md).
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
if type(obj.metadata.annotations) ~= "table" then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["baton.dev/abort"] = canary.revision
return obj

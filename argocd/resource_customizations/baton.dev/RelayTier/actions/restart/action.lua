-- Replaces every pod of the tier one at a time, each through its drain, as
-- `kubectl baton restart`: spec.rollout.restartAt = now (RFC 3339, UTC); a
-- pod created before that time is replaced.
local os = require("os")
if type(obj.spec) ~= "table" then
  error("the tier has no spec", 0)
end
if type(obj.spec.rollout) ~= "table" then
  obj.spec.rollout = {}
end
obj.spec.rollout.restartAt = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj

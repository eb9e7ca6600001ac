-- Pauses the tier's rollout (spec.rollout.paused = true), as
-- `kubectl baton pause`: the drain under way finishes, no other starts.
if type(obj.spec) ~= "table" then
  error("the tier has no spec", 0)
end
if type(obj.spec.rollout) ~= "table" then
  obj.spec.rollout = {}
end
obj.spec.rollout.paused = true
return obj

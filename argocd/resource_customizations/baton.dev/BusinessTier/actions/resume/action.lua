-- Resumes the tier's rollout (spec.rollout.paused = false), as
-- `kubectl baton resume`. A drain that timed out with onTimeout Pause is not
-- resumed by this: that takes skip-drain or a longer drain.timeoutSeconds.
if type(obj.spec) ~= "table" then
  error("the tier has no spec", 0)
end
if type(obj.spec.rollout) ~= "table" then
  obj.spec.rollout = {}
end
obj.spec.rollout.paused = false
return obj

-- Sets spec.replicas from the action's "replicas" parameter: a whole number,
-- 0 or more. Pods leave through their drain, fewest sessions first.
-- (No math library: it runs without useOpenLibs.)
local replicas = actionParams["replicas"]
if replicas == nil or replicas == "" then
  error("parameter replicas is required", 0)
end
local n = tonumber(replicas)
if n == nil or n < 0 or n % 1 ~= 0 then
  error("parameter replicas: " .. tostring(replicas) .. " is not a whole number of 0 or more", 0)
end
if type(obj.spec) ~= "table" then
  error("the tier has no spec", 0)
end
obj.spec.replicas = n
return obj

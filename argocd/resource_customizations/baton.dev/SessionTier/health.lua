-- ArgoCD health check of a Baton tier (baton.dev RelayTier, SessionTier and
-- BusinessTier). RelayTier/health.lua is the source; SessionTier/ and
-- BusinessTier/ hold byte-identical copies, because ArgoCD looks the script
-- up per kind (tests/argocd/run-lua-tests fails if they differ). The fields
-- read are those of docs/api-contract.md, section "Status".
--
-- The operator decides the phase and writes the one-line message for people
-- ("draining relay-7: 12,345 sessions left, ETA 4m"); this script maps the
-- phase to an ArgoCD status and passes that message on unchanged.
--
-- Only the base library is used (no string, no math), so the script runs
-- from argocd-cm without useOpenLibs.
local hs = {}

local function condition(status, conditionType)
  if type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c, reason)
  return c ~= nil and c.status == "True" and c.reason == reason
end

-- The first argument that is a non-empty string (select, not ipairs: the
-- arguments may contain nil).
local function firstText(...)
  for i = 1, select("#", ...) do
    local text = select(i, ...)
    if type(text) == "string" and text ~= "" then
      return text
    end
  end
  return nil
end

local status = obj.status
if type(status) ~= "table" then
  hs.status = "Progressing"
  hs.message = "waiting for the operator: no status yet"
  return hs
end

-- A status written for an older spec says nothing about the current one:
-- Progressing, whatever its phase says.
local generation = nil
if type(obj.metadata) == "table" then
  generation = obj.metadata.generation
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local phase = status.phase
local stalled = condition(status, "Stalled")

-- Phases in the contract's order: the first that applies wins.
if phase == "Degraded" or isTrue(stalled, "ProgressDeadlineExceeded") then
  hs.status = "Degraded"
  hs.message = firstText(status.message, stalled and stalled.message,
    "a new pod did not become available within progressDeadlineSeconds")
  return hs
end

if phase == "Paused" or isTrue(stalled, "DrainTimedOut") then
  local paused = condition(status, "Paused")
  hs.status = "Suspended"
  hs.message = firstText(status.message, stalled and stalled.status == "True" and stalled.message,
    paused and paused.message, "paused")
  return hs
end

if phase == "Progressing" then
  hs.status = "Progressing"
  hs.message = firstText(status.message, "rolling out")
  return hs
end

if phase == "Healthy" then
  hs.status = "Healthy"
  hs.message = firstText(status.message, "all pods at the update revision and available")
  return hs
end

hs.status = "Progressing"
if phase == nil then
  hs.message = "waiting for the operator: no phase yet"
else
  hs.message = "waiting for the operator: unknown phase " .. tostring(phase)
end
return hs

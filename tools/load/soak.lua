-- Soak load: a mix of what officials, auditors and integrations do, at once.
--   60% reads of read models (coverage, pending, funnel, projects, benchmarks) with the
--       province and a city token; 10% enterprise files; 10% appends of a new enterprise;
--   10% a city's event listing; 5% the dashboard; 5% heavy routes (verification, explain).
-- Statuses are tallied by class: 503 with Retry-After is the daemon refusing beyond a lane's
-- bound (expected under this load), anything 5xx else is an error.
local bodies = dofile(os.getenv("GONGFU_BODIES"))
local province = os.getenv("GONGFU_TOKEN") or ""
local city = os.getenv("GONGFU_CITY_TOKEN") or ""
local auditor = os.getenv("GONGFU_AUDITOR_TOKEN") or ""
local enterprises = {}
for uscc in string.gmatch(os.getenv("GONGFU_ENTERPRISES") or "", "[^,]+") do table.insert(enterprises, uscc) end

local threads = {}
function setup(thread)
  thread:set("thread_offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = { ok = 0, refused = 0, client = 0, error = 0 }
end

local reads = {
  "/v1/coverage?by=city&year=2025", "/v1/coverage?by=chain&year=2025", "/v1/pending?limit=50",
  "/v1/pending/funnel", "/v1/projects?limit=50", "/v1/benchmarks", "/v1/metrics/programme",
}

request = function()
  counter = counter + 1
  local slot = counter % 20
  local headers = { ["Authorization"] = "Bearer " .. province }
  if slot < 12 then
    if slot % 2 == 0 then headers["Authorization"] = "Bearer " .. city end
    return wrk.format("GET", reads[counter % #reads + 1], headers)
  elseif slot < 14 then
    local uscc = enterprises[counter % math.max(#enterprises, 1) + 1] or "91370200AY4CL12T2L"
    return wrk.format("GET", "/v1/enterprises/" .. uscc, headers)
  elseif slot < 16 then
    local body = bodies[counter * 4 + thread_offset + 1]
    if body then
      headers["Content-Type"] = "application/x-ndjson"
      return wrk.format("POST", "/v1/events", headers, body)
    end
    return wrk.format("GET", "/health")
  elseif slot < 18 then
    headers["Authorization"] = "Bearer " .. city
    return wrk.format("GET", "/v1/events?from=" .. (counter % 5000 + 1) .. "&limit=1000", headers)
  elseif slot == 18 then
    return wrk.format("GET", "/", headers)
  else
    headers["Authorization"] = "Bearer " .. auditor
    if counter % 40 == 19 then return wrk.format("GET", "/v1/audit/verify", headers) end
    return wrk.format("GET", "/v1/audit/explain?year=2025&region=370200", headers)
  end
end

response = function(status, headers, body)
  if status < 400 then statuses.ok = statuses.ok + 1
  elseif status == 503 or status == 429 then statuses.refused = statuses.refused + 1
  elseif status < 500 then statuses.client = statuses.client + 1
  else statuses.error = statuses.error + 1 end
end

function done(summary, latency, requests)
  local total = { ok = 0, refused = 0, client = 0, error = 0 }
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for key, value in pairs(counts) do total[key] = total[key] + value end
  end
  io.write(string.format("statuses: ok %d, refused (503/429 with Retry-After) %d, client errors %d, server errors %d\n",
    total.ok, total.refused, total.client, total.error))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

-- Mixed load: one request in ten appends a new enterprise (POST /v1/events), the rest read
-- coverage by city. Bodies come from registrations.lua (tools/load/registrations.py).
local bodies = dofile(os.getenv("GONGFU_BODIES"))
local token = os.getenv("GONGFU_TOKEN") or ""
local counter = 0
thread_offset = 0
local threads = {}

function setup(thread)
  thread:set("thread_offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. token }
  if counter % 10 == 0 then
    local index = (counter / 10) * 2 + thread_offset + 1
    local body = bodies[index]
    if body then
      headers["Content-Type"] = "application/x-ndjson"
      return wrk.format("POST", "/v1/events", headers, body)
    end
  end
  return wrk.format("GET", "/v1/coverage?by=city&year=2025", headers)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

-- Read load: coverage by city for 2025 with a bearer token.
local token = os.getenv("GONGFU_TOKEN") or ""
request = function()
  return wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

-- wrk: POST /api/v1/interactions with an external id unique per thread and request.
local token = os.getenv("TOKEN") or ""
local run = os.getenv("RUN") or "run"
local counter = 0
local next_thread = 0

-- Runs in the main Lua state; sets the global `thread_id` in each thread's own state.
setup = function(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"source":"bench","external_id":"%s-%d-%d","channel":"phone","direction":"inbound",' ..
    '"arrived_at":"2026-01-05T09:00:00Z","answered_at":"2026-01-05T09:00:12Z",' ..
    '"ended_at":"2026-01-05T09:04:00Z","outcome":"answered","category":"billing"}',
    run, thread_id, counter)
  return wrk.format("POST", "/api/v1/interactions",
                    { ["Authorization"] = "Bearer " .. token,
                      ["Content-Type"] = "application/json" }, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end

-- wrk: POST /api/v1/interactions with an external id unique per thread and request.
-- Kept cheap (no string.format, headers built once): wrk shares the cores with the server.
local token = os.getenv("TOKEN") or ""
local run = os.getenv("RUN") or "run"
local counter = 0
local next_thread = 0
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local head, tail

-- Runs in the main Lua state; sets the global `thread_id` in each thread's own state.
setup = function(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

init = function()
  head = '{"source":"bench","external_id":"' .. run .. "-" .. thread_id .. "-"
  tail = '","channel":"phone","direction":"inbound",' ..
    '"arrived_at":"2026-01-05T09:00:00Z","answered_at":"2026-01-05T09:00:12Z",' ..
    '"ended_at":"2026-01-05T09:04:00Z","outcome":"answered","category":"billing"}'
end

request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/interactions", headers, head .. counter .. tail)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end

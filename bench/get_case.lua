-- wrk: GET /api/v1/cases/{id} for random ids in 1..CASES, with the bearer token in TOKEN.
local cases = tonumber(os.getenv("CASES") or "1000")
local token = os.getenv("TOKEN") or ""
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/cases/" .. math.random(1, cases),
                    { ["Authorization"] = "Bearer " .. token })
end

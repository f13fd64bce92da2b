-- Distinct creates the document refuses, each breaking a rule in its own way: a ttl under the minimum, a uid and an
-- unknown field that differ every time, in sessions that change every 1,000 requests. Coverage counters must stay
-- bounded by the document whatever these hold (bench_coverage_memory.py).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local n = 0
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function request()
  n = n + 1
  local uid = "u-" .. tid .. "-" .. n
  wrk.headers["X-Mock-Session"] = "s-" .. tid .. "-" .. math.floor(n / 1000)
  local body = '{"uid": "' .. uid .. '", "srcs": ["' .. n .. '"], "ttl": ' .. (n % 59) .. ', "x' .. n .. '": 1}'
  return wrk.format(nil, nil, nil, body)
end

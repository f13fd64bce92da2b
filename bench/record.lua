-- Creates for bench_proxy.py --memory: three valid to one that breaks the contract (ttl under the minimum).
local valid = '{"uid": "bench-user", "srcs": ["123"], "ttl": 60}'
local broken = '{"uid": "bench-user", "srcs": ["123"], "ttl": 30}'
local sent = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"

request = function()
  sent = sent + 1
  return wrk.format(nil, nil, nil, sent % 4 == 0 and broken or valid)
end

wrk.method = "POST"
wrk.body = '{"uid": "bench-user", "srcs": ["123", "456"], "ttl": 900, "model": "gpt-5", "limits": {"hourly": 100}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"

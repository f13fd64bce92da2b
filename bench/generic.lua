wrk.method = "POST"
wrk.body = '{"connection_id": 1, "query": "select count(*) from orders"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"

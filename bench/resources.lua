-- A stateful create/retrieve pair per connection: POST a knowledge-base entry, then GET it back by the id the
-- create answered. Run with as many threads as connections (-tN -cN), so each connection keeps its own state.
-- Each thread works in its own session, a new one every 900 creates: the mock keeps at most 1,000 per collection.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local run = "0"
function init(args)
  run = args[1] or "0"  -- each wrk run works in sessions of its own
end

local body = '{"content": "Revenue is net of refunds.", "connection_id": 1}'
local created = 0
local pending = nil  -- the id the last create answered, until it is read back
local session = nil  -- the session it was made in

function request()
  if pending == nil then
    session = "bench-" .. run .. "-" .. tid .. "-" .. math.floor(created / 900)
  end
  local headers = {["Authorization"] = "Bearer sk-bench", ["X-Mock-Session"] = session}
  if pending ~= nil then
    return wrk.format("GET", "/api/v1/knowledge-base/" .. pending .. "/", headers)
  end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/knowledge-base/", headers, body)
end

function response(status, headers, answer)
  if pending ~= nil then
    pending = nil
  else
    pending = string.match(answer, '"id":(%d+)')
    created = created + 1
  end
end

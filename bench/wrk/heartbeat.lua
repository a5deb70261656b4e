-- POST heartbeats as many learners at once, each on their own lesson progress, as
-- lesson pages do every 30 s. Arguments: a file of "session-key lesson-id" lines, the
-- CSRF secret (sent as cookie and header), the session and CSRF cookie names.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  beats = {}
  for line in io.lines(args[1]) do
    local session, lesson = line:match("(%S+)%s+(%S+)")
    if session then
      table.insert(beats, { session = session, lesson = lesson })
    end
  end
  csrf = args[2]
  session_cookie = args[3]
  csrf_cookie = args[4]
end

function request()
  counter = counter + 1
  local beat = beats[(counter + offset) % #beats + 1]
  local headers = {
    ["Cookie"] = session_cookie .. "=" .. beat.session .. "; " .. csrf_cookie .. "=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/learn/heartbeat/", headers, '{"lesson": ' .. beat.lesson .. "}")
end

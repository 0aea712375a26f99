-- wrk script of bench/wire.py: one connection per thread, one DUIS User per connection.
--
--   wrk -t N -c N -d S -s bench/wire.lua URL -- DIR PATH MODE
--
-- DIR holds user-<i>.req for i = 1..N, each a run of pre-signed request bodies, every one
-- as "<length>\n<bytes>", in counter order. Thread i sends user i's bodies in order to
-- PATH, so counters only increase and replay refusal never fires. MODE "duis" counts an
-- answer as good if it carries ResponseCode I0 and stops the thread when its bodies run
-- out (a body sent twice would be a replay); "echo" counts status 200 as good and starts
-- its bodies again (an echo consumes no counter). done() prints one line of figures.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   table.insert(threads, thread)
   next_id = next_id + 1
end

function init(args)
   local dir, path, mode = args[1], args[2], args[3]
   echo = mode == "echo"
   good, bad, sent, exhausted = 0, 0, 0, 0
   sample = ""
   local f = assert(io.open(dir .. "/user-" .. id .. ".req", "rb"))
   local data = f:read("*a")
   f:close()
   requests = {}
   local at = 1
   while at <= #data do
      local newline = string.find(data, "\n", at, true)
      local length = tonumber(string.sub(data, at, newline - 1))
      local body = string.sub(data, newline + 1, newline + length)
      at = newline + length + 1
      requests[#requests + 1] = "POST " .. path .. " HTTP/1.1\r\nHost: " .. wrk.host
         .. "\r\nContent-Type: application/xml\r\nContent-Length: " .. length
         .. "\r\n\r\n" .. body
   end
   idle = "GET /health HTTP/1.1\r\nHost: " .. wrk.host .. "\r\n\r\n"
end

function request()
   if sent >= #requests then
      if echo then
         sent = 0
      else
         return idle -- never sent: the thread stops on the last answer (below)
      end
   end
   sent = sent + 1
   return requests[sent]
end

function response(status, headers, body)
   if exhausted == 1 then
      return
   end
   local ok
   if echo then
      ok = status == 200
   else
      ok = status == 200 and string.find(body, "<sr:ResponseCode>I0<", 1, true) ~= nil
   end
   if ok then
      good = good + 1
   else
      bad = bad + 1
      if sample == "" then
         sample = status .. " " .. string.sub(string.gsub(body, "%s+", " "), 1, 300)
      end
   end
   if not echo and sent >= #requests then
      exhausted = 1
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local g, b, x = 0, 0, 0
   for _, thread in ipairs(threads) do
      g = g + thread:get("good")
      b = b + thread:get("bad")
      x = x + thread:get("exhausted")
      local s = thread:get("sample")
      if s ~= "" then
         io.write("WIRE-SAMPLE ", s, "\n")
      end
   end
   local e = summary.errors
   io.write(string.format(
      "WIRE-RESULT requests=%d duration_us=%d good=%d bad=%d exhausted=%d "
         .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d errors=%d\n",
      summary.requests, summary.duration, g, b, x,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect + e.read + e.write + e.timeout))
end

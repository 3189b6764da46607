-- wrk script: GET /api/contacts/{id} rotating through the 60 seeded contacts
-- (IDs 10000000001 + 7k, k = 0..59), each wrk thread starting at its own offset.
-- done() prints one machine-readable line that run.sh parses:
--   RESULT requests=<n> non2xx=<n> sockerr=<n> duration_us=<n> p50_us=<n> p99_us=<n>
local ids = {}
for k = 0, 59 do
  ids[#ids + 1] = string.format("%d", 10000000001 + 7 * k)
end

local counter = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads * 31)
  threads = threads + 1
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/contacts/" .. ids[(counter % #ids) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d non2xx=%d sockerr=%d duration_us=%d p50_us=%d p99_us=%d\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end

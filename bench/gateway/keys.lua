-- wrk script of the gateway benchmark: every request asks for a random row.
--
--   wrk ... -s bench/gateway/keys.lua URL -- PATH_PREFIX N|@FILE [TOKEN] [SEED]
--
-- With N, the path is PATH_PREFIX .. BN0000001…BNnnnnnnn (the keys bench/gateway/gen.py
-- writes: keep KEY_FORMAT in step); with @FILE, PATH_PREFIX .. a random line of FILE
-- (e.g. commune codes for the list endpoint). TOKEN, unless "-" or absent, goes in
-- `Authorization: Bearer TOKEN`. Each thread draws from its own generator seeded with
-- SEED + its number, so tinhso and the baseline get the same sequence of keys.
-- At the end it prints one line `WRK_JSON {...}` with the counts and latency percentiles
-- (microseconds) for bench/gateway/harness.py.

local KEY_FORMAT = "BN%07d"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
end

local prefix, n, values, headers

function init(args)
  prefix = args[1] or "/"
  local what = args[2] or "1"
  if what:sub(1, 1) == "@" then
    values = {}
    for line in io.lines(what:sub(2)) do
      if line ~= "" then values[#values + 1] = line end
    end
    n = #values
  else
    n = tonumber(what)
  end
  headers = {}
  if args[3] and args[3] ~= "-" then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  math.randomseed((tonumber(args[4]) or 1) + (number or 0))
end

function request()
  local i = math.random(1, n)
  local tail = values and values[i] or string.format(KEY_FORMAT, i)
  return wrk.format("GET", prefix .. tail, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"min":%d,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.min, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end

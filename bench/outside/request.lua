-- One request shape for every endpoint, from the environment the bench sets (see run.py).
local method = os.getenv("WRK_METHOD") or "GET"
local path = os.getenv("WRK_PATH") or "/"
local body = os.getenv("WRK_BODY") or ""
local token = os.getenv("WRK_TOKEN") or ""
local ids_file = os.getenv("WRK_IDS") or ""

local ids = {}
if ids_file ~= "" then
  for line in io.lines(ids_file) do
    if line ~= "" then ids[#ids + 1] = line end
  end
end

local headers = {}
if token ~= "" then headers["Authorization"] = "Bearer " .. token end
if body ~= "" then headers["Content-Type"] = "application/json" end
if body == "" then body = nil end

local counter = 0
local fixed = wrk.format(method, path, headers, body)

request = function()
  if #ids == 0 then return fixed end
  counter = counter + 1
  local p = string.gsub(path, "{id}", ids[(counter % #ids) + 1])
  return wrk.format(method, p, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors_status":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,"p50":%d,"p99":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end

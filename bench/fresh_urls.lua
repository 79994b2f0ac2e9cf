-- wrk script for read-cache misses: every request asks for a URL never asked before.
--
--   wrk -t1 -c50 -d8s -s bench/fresh_urls.lua URL -- RUN_ID
--
-- The read cache keys an answer by its absolute URL with only the query parameters the view reads (junk ones
-- share the clean entry), so each request names a host of its own, `<RUN_ID>-<thread>-<n>.miss.localhost`
-- (the bench's ALLOWED_HOSTS lets `.miss.localhost` in): every request is a miss. RUN_ID keeps the URLs of one
-- wrk run apart from every other run's (a warm-up's, an earlier repeat's). At the end the script prints how
-- many distinct URLs it sent (`Distinct URLs: N`).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)  -- apart, should wrk run more than one thread
end

function init(args)
  run_id = args[1] or tostring(os.time())
  sent = 0
  prefix = run_id .. "-" .. thread_number .. "-"
end

function request()
  sent = sent + 1
  return wrk.format(nil, wrk.path, {Host = prefix .. sent .. ".miss.localhost"})
end

function done(summary, latency, requests)
  local urls = 0
  for _, thread in ipairs(threads) do
    urls = urls + thread:get("sent")
  end
  io.write(string.format("Distinct URLs: %d\n", urls))
end

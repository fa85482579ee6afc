-- wrk script of tools/bench_load.sh: mixed reads and writes on the API.
--
-- Every request is one of (in 20 turns): 8 GET .../queue of a printer,
-- 5 POST /api/bambu/scheduled-prints (unique names), 4 PUT on a print this
-- thread created (status -> scheduled, with a start time and a priority
-- derived from its id; each print is updated once, so the result is known)
-- and 3 PUT /api/bambu/materials/{id} (remaining_percent). Until a created
-- print is waiting for its update the turn is a queue read.
--
-- The answers are told apart by their bodies (wrk does not say which
-- request an answer belongs to): {"queue": a read; a material; else a
-- print (201 created, 200 updated). Any answer outside 2xx is an error.
--
-- Writes stop at BENCH_LOAD_WRITES_UNTIL (epoch seconds): wrk drops the
-- requests in flight when its time is up, and a write sent then could
-- land without its answer being counted; reads only in the last seconds
-- keep "rows written = writes answered" exact.
--
-- Environment: BENCH_LOAD_PRINTERS, BENCH_LOAD_MATERIALS (ids, any
-- separator), BENCH_LOAD_FILE (a file in the user's library),
-- BENCH_LOAD_TAG (names are load-TAG-THREAD-N), BENCH_LOAD_WRITES_UNTIL,
-- BENCH_LOAD_OUT (done() writes what the threads saw there, one fact a
-- line: "created ID", "updated ID", "material ID PERCENT", "count KIND N",
-- "status CODE N").

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local function ids(s)
    local t = {}
    for id in string.gmatch(s or "", "%d+") do
        table.insert(t, tonumber(id))
    end
    return t
end

local printers, materials, file, tag, writes_until
local n, made = 0, 0
local pending, head, last = {}, 1, 0 -- created ids waiting for an update
created, updated, mats, counts, statuses = {}, {}, {}, {}, {}

local MIX = "GCGSGMCGSGCMGSGCGSMC" -- G read, C create, S status, M material
local START = "2030-01-01T00:00:00Z"

function init(args)
    printers = ids(os.getenv("BENCH_LOAD_PRINTERS"))
    materials = ids(os.getenv("BENCH_LOAD_MATERIALS"))
    file = os.getenv("BENCH_LOAD_FILE") or "part.3mf"
    tag = os.getenv("BENCH_LOAD_TAG") or "x"
    writes_until = tonumber(os.getenv("BENCH_LOAD_WRITES_UNTIL") or "0")
    math.randomseed(os.time() + tid * 7919)
    counts = {read = 0, create = 0, status = 0, material = 0}
end

-- wrk.format takes the headers given instead of wrk.headers (-H): copy
local function json_headers()
    local h = {}
    for k, v in pairs(wrk.headers) do
        h[k] = v
    end
    h["Content-Type"] = "application/json"
    return h
end

local function read()
    local p = printers[math.random(#printers)]
    return wrk.format("GET", "/api/bambu/scheduled-prints/" .. p .. "/queue")
end

function request()
    n = n + 1
    local kind = MIX:sub((n - 1) % #MIX + 1, (n - 1) % #MIX + 1)
    if kind ~= "G" and writes_until > 0 and os.time() >= writes_until then
        kind = "G"
    end
    if kind == "C" then
        made = made + 1
        local body = string.format(
            '{"printer_id":%d,"name":"load-%s-%d-%d","file":"%s",' ..
            '"estimated_minutes":%d,"priority":%d,"grams":%d,' ..
            '"material_slot":%d}',
            printers[math.random(#printers)], tag, tid, made, file,
            10 + made % 300, made % 5, made % 200, made % 4)
        return wrk.format("POST", "/api/bambu/scheduled-prints",
                          json_headers(), body)
    elseif kind == "S" and head <= last then
        local id = pending[head]
        pending[head] = nil
        head = head + 1
        local body = string.format(
            '{"status":"scheduled","scheduled_at":"%s","priority":%d}',
            START, id % 1000)
        return wrk.format("PUT", "/api/bambu/scheduled-prints/" .. id,
                          json_headers(), body)
    elseif kind == "M" then
        local m = materials[math.random(#materials)]
        local body = string.format('{"remaining_percent":%d}',
                                   math.random(0, 100))
        return wrk.format("PUT", "/api/bambu/materials/" .. m,
                          json_headers(), body)
    end
    return read()
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status < 200 or status > 299 then
        return
    end
    if body:sub(1, 9) == '{"queue":' then
        counts.read = counts.read + 1
        return
    end
    local id = tonumber(body:match('^{"id":(%d+)'))
    if id == nil then
        return
    end
    local pct = body:match('"remaining_percent":(%d+)')
    if pct ~= nil then
        counts.material = counts.material + 1
        mats[#mats + 1] = id .. " " .. pct
    elseif status == 201 then
        counts.create = counts.create + 1
        created[#created + 1] = id
        last = last + 1
        pending[last] = id
    else
        counts.status = counts.status + 1
        updated[#updated + 1] = id
    end
end

function done(summary, latency, requests)
    local out = assert(io.open(os.getenv("BENCH_LOAD_OUT"), "w"))
    local total = {read = 0, create = 0, status = 0, material = 0}
    local codes = {}
    for _, t in ipairs(threads) do
        for _, id in ipairs(t:get("created")) do
            out:write("created ", id, "\n")
        end
        for _, id in ipairs(t:get("updated")) do
            out:write("updated ", id, "\n")
        end
        for _, m in ipairs(t:get("mats")) do
            out:write("material ", m, "\n")
        end
        for k, v in pairs(t:get("counts")) do
            total[k] = total[k] + v
        end
        for k, v in pairs(t:get("statuses")) do
            codes[k] = (codes[k] or 0) + v
        end
    end
    for k, v in pairs(total) do
        out:write("count ", k, " ", v, "\n")
    end
    for k, v in pairs(codes) do
        out:write("status ", k, " ", v, "\n")
    end
    out:close()
end

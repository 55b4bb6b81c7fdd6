-- bench/request.lua: wrk script submitting requests through the JSON API.
-- The bearer token comes from the environment (BENCH_TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"area":"legal","speciality":"contracts","title":"Lease review",' ..
	'"urgency":"routine","wanted_start":"2026-12-07","wanted_end":' ..
	'"2026-12-18","estimated_hours":"6","po_reference":"PO-1"}'

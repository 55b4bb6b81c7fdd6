-- bench/post.lua: the same POST body against the bare server.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"area":"legal","speciality":"contracts","title":"Lease review",' ..
	'"urgency":"routine","wanted_start":"2026-12-07","wanted_end":' ..
	'"2026-12-18","estimated_hours":"6","po_reference":"PO-1"}'

-- bench/login.lua: wrk script signing in at a steady pace (two connections,
-- each waiting 60 ms between attempts: about 20 a second), with the double-submit
-- cookie the sign-in form expects.
wrk.method = "POST"
wrk.body = "csrf=benchtoken&login=bench&password=bench-password-1&next=%2F"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "ep_login=benchtoken"

function delay()
	return 60
end

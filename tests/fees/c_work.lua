-- Escape attempt: many calls each doing much work inside C, where one
-- instruction of the script is millions of steps of matching.
return { price = function(e, ctx, lines)
	local s = ("a"):rep(200)
	for i = 1, 1000 do
		s:find("a*a*b")
	end
	lines:add("never", 1, "each", 1, 1, "S")
end }

-- Contract breach: a float amount.
return { price = function(e, ctx, lines)
	lines:add("advice", 1, "hour", 8500, 8500 * 1.5, "S")
end }

-- Contract breach: a negative amount from price.
return { price = function(e, ctx, lines)
	lines:add("refund", 1, "each", -100, -100, "S")
end }

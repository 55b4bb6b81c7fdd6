-- Escape attempt: exhaust memory with one huge string.
return { price = function(e, ctx, lines)
	local s = string.rep("x", 1 << 30)
	lines:add(s, 1, "each", 1, 1, "S")
end }

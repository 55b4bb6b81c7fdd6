-- Escape attempt: recurse without end.
local function deep(n)
	return 1 + deep(n + 1)
end
return { price = function(e, ctx, lines)
	deep(1)
end }

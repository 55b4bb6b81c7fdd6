-- A rule set that does not compile: line 3.
return { price = function(e, ctx, lines)
	lines:add("x" 1)
end }

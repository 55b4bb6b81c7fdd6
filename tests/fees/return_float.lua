-- Contract breach: returning a float instead of adding lines.
return { price = function(e, ctx, lines)
	return e.minutes * 141.666
end }

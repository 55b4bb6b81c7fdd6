-- terms_changed.lua: price counts its entries in what prepare returned
-- and charges by the count: price changes its terms, so keeps state.
return {
	prepare = function(g, ctx)
		return { n = 0 }
	end,
	price = function(e, ctx, lines, t)
		t.n = t.n + 1
		lines:add("advice", 1, "each", 100 + t.n, 100 + t.n, ctx.vat)
	end,
}

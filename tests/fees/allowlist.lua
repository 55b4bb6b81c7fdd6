-- Prices 1p only if nothing outside the allow-list is reachable.
return { price = function(e, ctx, lines)
	assert(io == nil and os == nil and debug == nil and package == nil)
	assert(dofile == nil and loadfile == nil and collectgarbage == nil)
	assert(print == nil and coroutine == nil and string.dump == nil)
	assert(math.random == nil and math.randomseed == nil)
	assert(getmetatable(_ENV) == false)
	assert(load("return io")() == nil)
	-- Strings' metatable is hidden, its methods the allowed ones only,
	-- the libraries read-only; coercion still works.
	assert(getmetatable("") == false and ("x").dump == nil)
	assert(not pcall(function() string.upper = nil end))
	assert(("ab"):rep(2) == "abab" and ("7") + 1 == 8)
	lines:add("allowed", 1, "each", 1, 1, "S")
end }

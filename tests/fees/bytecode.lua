-- Escape attempt: load a precompiled (binary) chunk.
return { price = function(e, ctx, lines)
	local f = assert(load("\27LuaT\0\25\147\13\10\26\10\4\8\8"))
	f()
end }

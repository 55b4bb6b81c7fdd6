-- A bad argument to a library function, raised inside C: refused by line.
local s = "a"
local x = s:rep(3 / 0)
return { price = function(e, ctx, lines) end }

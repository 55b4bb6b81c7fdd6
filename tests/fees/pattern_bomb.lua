-- Escape attempt: exponential backtracking inside C, where no count hook
-- fires, run as the file loads.
local x = ("a"):rep(30000):find(("a*"):rep(30) .. "b")
return { price = function(e, ctx, lines) end }

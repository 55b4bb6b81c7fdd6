-- Escape attempt: a finalizer runs with hooks off, whenever the collector
-- chooses; this one never returns.
setmetatable({}, { __gc = function() while true do end end })
return { price = function(e, ctx, lines) end }

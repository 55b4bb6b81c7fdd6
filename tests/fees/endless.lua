-- Escape attempt: never return, and swallow the error that stops it.
return { price = function(e, ctx, lines)
	while true do
		pcall(function()
			while true do
			end
		end)
	end
end }

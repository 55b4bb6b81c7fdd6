-- Escape attempt: exhaust memory bit by bit, swallowing the errors.
return { price = function(e, ctx, lines)
	local keep = {}
	for i = 1, 100 do
		pcall(function()
			local s = "xxxxxxxxxxxxxxxx"
			for _ = 1, 30 do
				s = s .. s
				keep[#keep + 1] = s
			end
		end)
	end
end }

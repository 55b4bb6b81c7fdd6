-- Escape attempt: run a process.
return { price = function(e, ctx, lines)
	os.execute("touch /tmp/expertpool-escaped")
end }

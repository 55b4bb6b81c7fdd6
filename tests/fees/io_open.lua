-- Escape attempt: read a file while loading.
local f = io.open("/etc/passwd")
return { price = function() end }

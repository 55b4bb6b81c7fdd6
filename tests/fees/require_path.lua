-- Escape attempt: require a file outside the helper library.
local x = require "../../etc/passwd"
return { price = function() end }

-- Escape attempt: require a standard library the sandbox leaves out.
local os = require "os"
return { price = function() os.exit(1) end }

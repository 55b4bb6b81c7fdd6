-- A rule set without a price function.
return { invoice = function() end }

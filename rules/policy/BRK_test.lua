-- BRK_test.lua: the overlay's cost-centre map, checked before it is used.
local t, policy = ...

t.case("ledger codes", function()
	t.eq(policy.cost_centre({ cost_centre = "LEG" }), "BRK-4410-LEGAL",
	    "LEG")
	t.eq(policy.cost_centre({ cost_centre = "??" }), "BRK-9999-SUSPENSE",
	    "unknown")
end)

t.case("purchase orders from £5,000", function()
	t.eq(policy.po_required({ estimate = 499999 }), false, "below")
	t.eq(policy.po_required({ estimate = 500000 }), true, "at")
end)

-- recharge 7: held for the plugin's contract with the core (triggers and
-- views moving into the plugin); empty here so that migration 8 follows.
SELECT 1;

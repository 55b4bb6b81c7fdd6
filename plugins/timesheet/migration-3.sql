-- timesheet 3: the checks on an entry's activity and state as comparisons.
-- SQLite tests "x IN (three or more constants)" in a CHECK by building a
-- temporary index of the constants, again for every row it writes: a few
-- microseconds an entry, the dearest part of saving one. The same rules
-- written as equalities cost next to nothing. A constraint cannot be
-- altered in SQLite; the table's definition is rewritten in place, as
-- SQLite documents for constraints every row already satisfies (these
-- accept exactly the same values), and the schema is read again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(replace(sql,
    'CHECK (activity IN (''advice'', ''drafting'',' || char(10) || char(9) ||
    '    ''meeting'', ''research'', ''travel'', ''court'', ''other''))',
    'CHECK (activity = ''advice'' OR activity = ''drafting'' OR' ||
    char(10) || char(9) || '    activity = ''meeting'' OR activity = ' ||
    '''research'' OR activity = ''travel'' OR' || char(10) || char(9) ||
    '    activity = ''court'' OR activity = ''other'')'),
    'CHECK (state IN (''draft'',' || char(10) || char(9) ||
    '    ''submitted'', ''approved'', ''queried'', ''invoiced''))',
    'CHECK (state = ''draft'' OR' || char(10) || char(9) ||
    '    state = ''submitted'' OR state = ''approved'' OR state = ' ||
    '''queried'' OR' || char(10) || char(9) || '    state = ''invoiced'')')
WHERE type = 'table' AND name = 'time_entries';
PRAGMA writable_schema = RESET;

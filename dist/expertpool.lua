-- expertpool.lua: an example configuration for a server. Copy it to
-- /etc/expertpool/expertpool.lua (readable by the expertpool group), and
-- pass it to both programs: expertpoold --config FILE, expertpool --config
-- FILE COMMAND. "expertpoold --help" lists every setting with its bounds
-- and default; an unknown name or a value out of bounds stops start-up
-- with this file's name and line.

-- Serve on loopback behind a TLS reverse proxy (nginx, Apache). The
-- proxy's address is trusted to say, in X-Forwarded-For, who its client
-- was: sign-in limits then count each client, not the proxy.
listen = "127.0.0.1:8080"
tls = true
trusted_proxies = "127.0.0.1, ::1"

-- The store: one SQLite file, with its -wal and -shm beside it.
db = "/var/lib/expertpool/expertpool.db"

-- 64 hex digits that seal each council's invoice signing key. Make it once:
--   head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' \
--       > /etc/expertpool/sealing.key
-- (mode 640, group expertpool) and keep a copy apart from the backups:
-- without it, issued invoices cannot be signed.
sealing_key_file = "/etc/expertpool/sealing.key"

-- Notifications go to this command, one message on its standard input.
-- Leave it empty to keep them in the outbox (each person's Messages page).
sendmail = "/usr/sbin/sendmail -t"

-- Sessions: an hour idle, twelve hours in all.
session_idle = 3600
session_max = 43200

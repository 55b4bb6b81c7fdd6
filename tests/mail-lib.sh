# tests/mail-lib.sh: a real SMTP server on loopback (Debian's aiosmtpd)
# that writes each message it receives to $T/mail, and a sendmail setting
# (Debian's msmtp) that delivers to it. Skips the test when either is
# missing.

# Debian's python3 has aiosmtpd (a pyenv or venv python on PATH may not).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
if ! $PY -c 'import aiosmtpd' 2>/dev/null || ! command -v msmtp >/dev/null; then
	echo "1..0 # SKIP python3-aiosmtpd and msmtp are needed (scripts/deps)"
	exit 0
fi

mkdir "$T/mail"
cat >"$T/mailsink.py" <<'PYEOF'
import os


class Sink:
    """Writes each message to a directory, whole, with its recipients."""

    def __init__(self, directory):
        self.directory = directory
        self.n = 0

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        path = os.path.join(self.directory, "%04d.eml" % self.n)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-To: %s\n" %
                     ",".join(envelope.rcpt_tos)).encode())
            content = envelope.original_content or envelope.content
            f.write(content.replace(b"\r\n", b"\n"))
        os.rename(path + ".tmp", path)
        return "250 OK"
PYEOF

SMTP_PID=
stop_smtp() { [ -z "$SMTP_PID" ] || kill "$SMTP_PID" 2>/dev/null; cleanup; }
trap stop_smtp EXIT

# start_smtp: starts the server on a free loopback port, SMTP_PORT.
start_smtp() {
	_tries=0
	while [ $_tries -lt 5 ] && [ -z "$SMTP_PID" ]; do
		SMTP_PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		PYTHONPATH="$T" $PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
		    -c mailsink.Sink "$T/mail" 2>"$T/smtp.log" &
		_pid=$!
		_i=0
		while [ $_i -lt 100 ]; do
			if $PY -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" 2>/dev/null; then
				SMTP_PID=$_pid
				break
			fi
			kill -0 $_pid 2>/dev/null || break
			sleep 0.05
			_i=$((_i + 1))
		done
		[ -n "$SMTP_PID" ] || kill $_pid 2>/dev/null
		_tries=$((_tries + 1))
	done
	[ -n "$SMTP_PID" ] || { echo "Bail out! the SMTP server did not start"; cat "$T/smtp.log"; exit 1; }
}

# mail_config FILE: appends the sendmail and public_url settings to FILE.
mail_config() {
	cat >>"$1" <<CONFEOF
sendmail = "msmtp --host=127.0.0.1 --port=$SMTP_PORT --auth=off --tls=off --from=expertpool@example.gov.uk -t"
public_url = "https://expertpool.example.gov.uk/"
CONFEOF
}

# wait_mail N: waits (up to 20 s) until at least N messages have arrived.
wait_mail() {
	_i=0
	while [ "$(ls "$T/mail" | grep -c '\.eml$')" -lt "$1" ] && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# mail_count: the messages received so far.
mail_count() { ls "$T/mail" | grep -c '\.eml$'; }

#!/usr/bin/env bash
# Standalone smoke test, in three parts:
# 1. JACK's dummy backend: wavecube-standalone plays an A4 from jack_midiseq; 2 s of its output
#    are recorded and must be audible. Then SIGINT: status 0 is required if it exits. KNOWN
#    ISSUE (intermittent, seen on a loaded machine): nice-plug 0.4.2's JACK backend can hang in
#    jack_deactivate() after its process callback returns Control::Quit (jackd then logs
#    "ProcessGraphAsyncMaster: Process error" in a loop); such a hang is reported, the process
#    killed, and the test goes on.
# 2. A null ALSA device (HOME with an .asoundrc of `pcm.!default { type null }`): the standalone
#    runs 2 s and must exit with status 0 within 5 s of SIGINT.
# 3. A display that cannot be reached: the editor's failure must be reported while the synth
#    keeps running, and SIGINT must still stop it, without a panic.
#
# Usage: tests/e2e/standalone_smoke.sh [path/to/wavecube-standalone]
# Needs Debian's jackd2 (jackd, jack_wait, jack_lsp, jack_midiseq, jack_rec) and python3.
set -euo pipefail

BIN=${1:-target/release/wavecube-standalone}
# A fixed server name, so a stray default server is never used or disturbed.
SERVER=wavecube-smoke
export JACK_DEFAULT_SERVER=$SERVER
export JACK_NO_AUDIO_RESERVATION=1
# nice-plug names the JACK client after the plugin, lower-cased.
CLIENT=wavecube

tmp=$(mktemp -d)
jackd_pid=
seq_pid=
app_pid=

log() { echo "standalone_smoke: $*"; }

fail() {
    log "FAILED: $*"
    for f in "$tmp"/*.log; do
        [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 30 "$f"; }
    done
    exit 1
}

# shellcheck source=tests/e2e/procs.sh
source "$(dirname "${BASH_SOURCE[0]}")/procs.sh"

[ -x "$BIN" ] || fail "$BIN is not an executable (build it with cargo xtask bundle wavecube-plugin --release)"

"$BIN" --help > "$tmp/help.log" 2>&1 || fail "--help exited non-zero"
grep -q -- "--backend" "$tmp/help.log" || fail "--help does not document --backend"
grep -q "jack" "$tmp/help.log" || fail "--help does not mention the JACK backend"

# A previous run's server must be gone before a new one with the same name starts.
# (`jack_wait -c` exits 0 either way; it prints "running" or "not running".)
if [ "$(jack_wait -s "$SERVER" -c 2>/dev/null)" = "running" ]; then
    fail "a JACK server named $SERVER is already running"
fi

jackd -n "$SERVER" --no-realtime -d dummy -r 48000 -p 512 > "$tmp/jackd.log" 2>&1 &
jackd_pid=$!
jack_wait -s "$SERVER" -w -t 10 > /dev/null 2>&1 || fail "jackd (dummy backend) did not start"

# A 1 s loop: A4 (MIDI 69) for the first 0.75 s.
jack_midiseq Sequencer 48000 0 69 36000 > "$tmp/midiseq.log" 2>&1 &
seq_pid=$!

"$BIN" -b jack --connect-jack-midi-input Sequencer:out > "$tmp/standalone.log" 2>&1 &
app_pid=$!

for _ in $(seq 100); do
    if jack_lsp 2>/dev/null | grep -q "^$CLIENT:output_2$"; then break; fi
    kill -0 "$app_pid" 2>/dev/null || fail "the standalone exited during start-up"
    sleep 0.1
done
jack_lsp 2>/dev/null | grep -q "^$CLIENT:output_2$" || fail "no $CLIENT:output_1/2 ports after 10 s"
# The standalone connects its MIDI input after registering its ports: on a busy machine
# that can take a moment, so wait for it (10 s at most) rather than look once.
connected() { jack_lsp -c 2>/dev/null | grep -A1 "^Sequencer:out$" | grep -q "$CLIENT:midi_input"; }
for _ in $(seq 100); do
    connected && break
    sleep 0.1
done
connected || fail "Sequencer:out is not connected to $CLIENT:midi_input after 10 s"

log "recording 2 s of $CLIENT:output_1/2"
jack_rec -f "$tmp/out.wav" -d 2 -b 16 "$CLIENT:output_1" "$CLIENT:output_2" > "$tmp/rec.log" 2>&1 ||
    fail "jack_rec failed"
kill -0 "$app_pid" 2>/dev/null || fail "the standalone died while playing"

kill -INT "$app_pid"
if exits_within "$app_pid" 50; then
    status=0
    wait "$app_pid" || status=$?
    [ "$status" -eq 0 ] || fail "JACK: the standalone exited with status $status after SIGINT"
    log "JACK: SIGINT: clean exit (status 0)"
else
    log "JACK: KNOWN ISSUE: no exit within 5 s of SIGINT (nice-plug 0.4.2 JACK backend hangs in jack_deactivate); killing it"
    kill -9 "$app_pid" 2> /dev/null || true
    wait "$app_pid" 2> /dev/null || true
fi
app_pid=

python3 - "$tmp/out.wav" << 'EOF' || fail "the recording is silent or malformed"
import array, math, sys, wave
with wave.open(sys.argv[1]) as w:
    assert w.getnchannels() == 2 and w.getsampwidth() == 2, (w.getnchannels(), w.getsampwidth())
    frames = w.getnframes()
    data = array.array("h", w.readframes(frames))
peak = max(abs(v) for v in data) / 32768.0
rms = math.sqrt(sum(v * v for v in data) / max(len(data), 1)) / 32768.0
peak_db = 20 * math.log10(max(peak, 1e-9))
rms_db = 20 * math.log10(max(rms, 1e-9))
print(f"standalone_smoke: recorded {frames / 48000:.2f} s, peak {peak_db:.1f} dBFS, RMS {rms_db:.1f} dBFS (bound: peak > -40 dBFS)")
assert frames >= 48000, frames
assert peak_db > -40.0, peak_db
EOF
kill "$seq_pid" 2> /dev/null || true
wait "$seq_pid" 2> /dev/null || true
seq_pid=
kill "$jackd_pid" 2> /dev/null || true
exits_within "$jackd_pid" 50 || kill -9 "$jackd_pid" 2> /dev/null || true
wait "$jackd_pid" 2> /dev/null || true
jackd_pid=

# Part 2: a null ALSA device; no MIDI (the container has no ALSA sequencer).
mkdir -p "$tmp/home"
printf 'pcm.!default { type null }\n' > "$tmp/home/.asoundrc"
HOME="$tmp/home" "$BIN" -b alsa > "$tmp/alsa.log" 2>&1 &
app_pid=$!
sleep 2
kill -0 "$app_pid" 2> /dev/null || fail "ALSA: the standalone exited within 2 s of starting"
kill -INT "$app_pid"
exits_within "$app_pid" 50 || fail "ALSA: the standalone did not exit within 5 s of SIGINT"
status=0
wait "$app_pid" || status=$?
app_pid=
[ "$status" -eq 0 ] || fail "ALSA: the standalone exited with status $status after SIGINT"
log "ALSA (null device): ran 2 s; SIGINT: clean exit (status 0)"

# Part 3: a display that cannot be reached (as when X or OpenGL fails): the editor's failure
# is reported at once, the synth keeps running, and SIGINT still stops it; never a panic.
DISPLAY=:7999 "$BIN" --backend dummy > "$tmp/nodisplay.log" 2>&1 &
app_pid=$!
sleep 2
kill -0 "$app_pid" 2> /dev/null || fail "no display: the standalone exited within 2 s of starting"
grep -q "the editor cannot open" "$tmp/nodisplay.log" \
    || fail "no display: the editor's failure was not reported while running"
kill -INT "$app_pid"
exits_within "$app_pid" 50 || fail "no display: the standalone did not exit within 5 s of SIGINT"
status=0
wait "$app_pid" || status=$?
app_pid=
grep -q "panicked" "$tmp/nodisplay.log" && fail "no display: the standalone panicked"
log "no display: '$(grep -m1 -o "the editor cannot open.*" "$tmp/nodisplay.log")' reported while running; SIGINT: exit (status $status)"
log "passed"

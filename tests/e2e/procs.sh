# Process helpers shared by the end-to-end shell tests; source it after setting `tmp` (a
# scratch directory) and the pids `app_pid`, `seq_pid` and `jackd_pid` (empty when not
# started). It installs `cleanup` as the EXIT trap.

# Waits up to $2 tenths of a second for pid $1 to exit; true if it did.
exits_within() {
    for _ in $(seq "$2"); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    ! kill -0 "$1" 2> /dev/null
}

cleanup() {
    # Only the processes this script started, by pid; the app first, the server last.
    for pid in $app_pid $seq_pid $jackd_pid; do
        kill "$pid" 2> /dev/null || true
        exits_within "$pid" 50 || kill -9 "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

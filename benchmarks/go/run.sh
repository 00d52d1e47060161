#!/bin/sh
# The floors hostkit guard's footprint is compared with (issue 13, "Footprint"), measured the way
# benchmarks/.../GuardFootprintBenchmark measures the guardian, from /proc: resident memory, threads, CPU time and
# voluntary context switches (wake-ups) over an idle window, then over 10 bounces of a veth parent:
#   - go-linkwait: linkwait/main.go, a Go program that subscribes to link events with vishvananda/netlink and waits
#     (built here against Debian's source in /usr/share/gocode, GOPATH mode, nothing downloaded);
#   - jvm-sleep: a JVM that only sleeps, started with the JVM flags of deploy/systemd/hostkit-guard.service;
#   - when cli/target/hostkit.jar is built: hostkit guard with the same flags guarding one macvlan on the parent (in a
#     second namespace), without and with --metrics-address, side by side: the metrics server's own cost (the
#     guardian's footprint in detail is GuardFootprintBenchmark's).
# Each runs in a private network namespace holding the parent, as the guardian does in the footprint benchmark.
#
# Run as root from the repository root, after benchmarks/go/setup.sh:  benchmarks/go/run.sh [idleSeconds]
# Prints one markdown row per program and state, in the footprint benchmark's columns.
set -eu
idle=${1:-60}
resync=3
bounces=10
repo=$(pwd)
unit=$repo/deploy/systemd/hostkit-guard.service
[ -f "$unit" ] || { echo "run.sh: run from the repository root (no $unit)" >&2; exit 2; }
command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/vishvananda/netlink ] \
    || { echo "run.sh: Go or vishvananda/netlink missing: run benchmarks/go/setup.sh first" >&2; exit 2; }

work=$(mktemp -d /tmp/hkbench-go.XXXXXX)
home=hkbenchgo$$
parent=hkbgpar
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    ip netns del "$home" 2>/dev/null || true
    ip netns del "${home}c" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Build: GOPATH mode against the Debian packages' source; the build cache stays in the work directory.
GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$work/gocache \
    go build -o "$work/linkwait" "$repo/benchmarks/go/linkwait/main.go"
cat > "$work/Sleep.java" <<'JAVA'
public final class Sleep {
    public static void main(String[] args) throws InterruptedException {
        System.out.println("sleeping");
        Thread.sleep(Long.MAX_VALUE);
    }
}
JAVA
javac -d "$work" "$work/Sleep.java"
# The unit's JVM flags: the words between the java binary and -jar of its ExecStart (a CDS archive under /opt is left out).
flags=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$unit" | sed -n 's/^ExecStart=//p' \
    | awk '{for (i = 2; i <= NF && $i != "-jar"; i++) if ($i !~ /^-XX:SharedArchiveFile/) printf "%s ", $i}')

ip netns add "$home"
load_parent() {
    ip -n "$home" link add "$parent" type veth peer name "${parent}p"
    ip -n "$home" link set "$parent" up
    ip -n "$home" link set "${parent}p" up
}
load_parent
ip netns add "${home}c"
give_macvlan() {
    ip -n "${home}c" link del mv0 2>/dev/null || true
    ip -n "$home" link add hkbgmv link "$parent" type macvlan mode bridge
    ip -n "$home" link set hkbgmv netns "${home}c"
    ip -n "${home}c" link set hkbgmv name mv0
    ip -n "${home}c" addr add 10.79.0.2/24 dev mv0
    ip -n "${home}c" link set mv0 up
}

clk=$(getconf CLK_TCK)
# One sample: nanoseconds, utime+stime ticks, RSS kB, peak RSS kB, threads, voluntary switches of all threads.
sample() {
    now=$(date +%s%N)
    ticks=$(awk '{sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13]}' "/proc/$1/stat")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status")
    threads=$(ls "/proc/$1/task" | wc -l)
    switches=$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches:/ {s += $2} END {print s}')
    echo "$now $ticks $rss $hwm $threads $switches"
}
# Threads named hostkit* (the kernel's name) and their voluntary switches.
own() {
    n=0
    s=0
    for t in /proc/"$1"/task/*; do
        case "$(cat "$t/comm" 2>/dev/null)" in
            hostkit*) n=$((n + 1)); s=$((s + $(awk '/^voluntary_ctxt_switches:/ {print $2}' "$t/status"))) ;;
        esac
    done
    echo "$n $s"
}
# row NAME STATE SAMPLE_BEFORE SAMPLE_AFTER [OWN_BEFORE OWN_AFTER]
row() {
    echo "$3 $4 ${5:-0 0} ${6:-0 0}" | awk -v name="$1" -v state="$2" -v clk="$clk" -v resync="$resync" \
        -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '{
        secs = ($7 - $1) / 1e9
        printf "| %s | %s | %s | %.1f (peak %.1f) | %d (%d) | %.3f | %.2f (%.2f) | |\n", name, state, load, $9 / 1024,
            $10 / 1024, $11, $15, 100 * ($8 - $2) / clk / secs, ($12 - $6) / (secs / resync), ($16 - $14) / (secs / resync)
    }'
}

measure() {
    name=$1
    shift
    ip netns exec "$home" "$@" > "$work/$name.out" 2> "$work/$name.err" &
    pid=$!
    i=0
    until grep -q . "$work/$name.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le 600 ] || { echo "run.sh: $name did not start: $(cat "$work/$name.err")" >&2; exit 1; }
        sleep 0.1
    done
    sleep 5 # start-up settles
    a=$(sample $pid)
    oa=$(own $pid)
    sleep "$idle"
    b=$(sample $pid)
    ob=$(own $pid)
    row "$name" "idle $idle s" "$a" "$b" "$oa" "$ob"
    c=$(sample $pid)
    oc=$(own $pid)
    n=0
    while [ $n -lt $bounces ]; do
        ip -n "$home" link del "$parent"
        sleep 0.2
        load_parent
        sleep 0.2
        n=$((n + 1))
    done
    d=$(sample $pid)
    od=$(own $pid)
    row "$name" "$bounces bounces" "$c" "$d" "$oc" "$od"
    kill $pid
    wait $pid 2>/dev/null || true
    pid=""
}

echo "kernel $(uname -r), $(nproc) CPUs; JVM flags from the unit file: $flags; idle window $idle s, wake-ups per $resync s"
echo
echo "| program | state | load avg | RSS (MB) | threads (hostkit's) | CPU (% of a core) | wake-ups per resync (hostkit's) | repairs |"
echo "|---|---|---|---:|---:|---:|---:|---|"
measure go-linkwait "$work/linkwait"
# shellcheck disable=SC2086 # the flags are words
measure jvm-sleep java $flags -cp "$work" Sleep
jar=$repo/cli/target/hostkit.jar
if [ -f "$jar" ]; then
    port=$(awk 'BEGIN {srand(); print 20000 + int(rand() * 20000)}')
    give_macvlan
    # shellcheck disable=SC2086
    measure hostkit-guard java $flags -jar "$jar" guard --state-dir "$work/state1" --parent "$parent" --announce 0 \
        --netns "/var/run/netns/${home}c"
    give_macvlan
    # shellcheck disable=SC2086
    measure hostkit-guard+metrics java $flags -jar "$jar" guard --state-dir "$work/state2" --parent "$parent" \
        --announce 0 --netns "/var/run/netns/${home}c" --metrics-address "127.0.0.1:$port"
fi
grep -c '^link ' "$work/go-linkwait.out" | sed 's/^/go-linkwait saw link events: /' >&2

#!/bin/sh
# Writes guard.classlist: the classes `hostkit guard` loads with the systemd unit's JVM flags through its start-up
# warm-up and one real repair (a macvlan in a namespace of this script's, its parent veth deleted and made again).
# deploy/install-hostkit.sh dumps the guardian's CDS archive (hostkit-guard.jsa) from it, because an image build
# cannot run a guardian (no CAP_SYS_ADMIN for namespaces). Run as root on a host with netns, veth and macvlan after a
# change to the guardian, and commit the result; GuardClassListIT fails when a run loads hostkit classes it lacks.
#   make-guard-classlist.sh HOSTKIT_JAR [OUT]
set -eu
[ $# -ge 1 ] || { echo "usage: make-guard-classlist.sh HOSTKIT_JAR [OUT]" >&2; exit 64; }
jar=$1
out=${2:-$(cd "$(dirname "$0")" && pwd)/guard.classlist}
[ -f "$jar" ] || { echo "make-guard-classlist.sh: no $jar" >&2; exit 1; }
# JNA's library from beside the jar (cli/target/jna, as install-hostkit.sh copies it), as the unit loads it from
# /opt/hostkit/lib: JNA extracting it to a temporary file instead would list classes a deployed guardian never loads.
case $(uname -m) in
    x86_64) jna=linux-x86-64 ;;
    aarch64) jna=linux-aarch64 ;;
    *) jna=none ;;
esac
jnadir=$(cd "$(dirname "$jar")" && pwd)/jna/com/sun/jna/$jna
[ -f "$jnadir/libjnidispatch.so" ] || { echo "make-guard-classlist.sh: no $jnadir/libjnidispatch.so" >&2; exit 1; }
tag=hkcl$$
home=${tag}h
ctr=${tag}c
work=$(mktemp -d)
pid=
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    ip netns del "$home" 2>/dev/null || true
    ip netns del "$ctr" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$home"
ip netns add "$ctr"
ip -n "$home" link set lo up
ip -n "$home" link add "${tag}p" type veth peer name "${tag}q"
ip -n "$home" link set "${tag}p" up
ip -n "$home" link add eth1 link "${tag}p" type macvlan mode bridge
ip -n "$home" link set eth1 netns "$ctr"
ip netns exec "$ctr" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6'
ip -n "$ctr" addr add 10.99.0.2/24 dev eth1
ip -n "$ctr" addr add fd00:99::2/64 dev eth1 nodad
ip -n "$ctr" link set eth1 up
ip -n "$ctr" route add 10.98.0.0/24 via 10.99.0.1
mkdir -m 700 "$work/state"

# The unit's flags (deploy/systemd/hostkit-guard.service), without an archive: every class is listed.
MALLOC_ARENA_MAX=2 ip netns exec "$home" java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC \
    -XX:-UsePerfData -Xss256k -Xms4m -Xmn2m -Xmx32m -XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=48m \
    -Djna.boot.library.path="$jnadir" -Xshare:off -XX:DumpLoadedClassList="$work/guard.classlist" \
    -jar "$jar" guard --state-dir "$work/state" --parent "${tag}p" --resync-seconds 3 \
    --netns "/var/run/netns/$ctr" --metrics-file "$work/guard.prom" >"$work/guard.log" 2>&1 &
pid=$!
# Until the snapshot is on disk (the warm-up ran before it), then one parent bounce and its repair.
i=0
while [ -z "$(ls "$work/state" | grep '^netns-')" ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$work/guard.log" >&2; echo "make-guard-classlist.sh: no snapshot in 30 s" >&2; exit 1; }
    sleep 0.1
done
ip -n "$home" link del "${tag}p"
sleep 1 # a driver reload takes seconds: the guardian looks while the parent is gone (waiting), as on a node
ip -n "$home" link add "${tag}p" type veth peer name "${tag}q"
ip -n "$home" link set "${tag}p" up
i=0
until ip -n "$ctr" -o link show eth1 >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$work/guard.log" >&2; echo "make-guard-classlist.sh: eth1 not repaired in 10 s" >&2; exit 1; }
    sleep 0.1
done
sleep 4 # a resync pass and a metrics write after the repair
kill -TERM "$pid"
wait "$pid" || true
pid=
{
    echo "# hostkit guard's classes (deploy/cds-training/make-guard-classlist.sh, $(java -version 2>&1 | head -1))"
    grep -v '^#' "$work/guard.classlist"
} >"$out"
echo "wrote $out: $(grep -vc "^#" "$out") entries"

#!/bin/bash
# Usage: benchmarks/reclaim-cli-dry-run.sh scripts/hostkit (root, v1 memory at /sys/fs/cgroup/memory; DOCKER_HOST a private engine).
# 100 x 99 Docker-named memory cgroups of containers that do not exist under /hkbenchfleet, then reclaim --dry-run (x3).
set -u
top=/sys/fs/cgroup/memory/hkbenchfleet
cleanup() { for p in "$top"/pod*; do rmdir "$p"/docker-*.scope 2>/dev/null; rmdir "$p" 2>/dev/null; done; rmdir "$top" 2>/dev/null; }
trap cleanup EXIT
mkdir "$top"
for i in $(seq 1 100); do
  mkdir "$top/pod$i"
  for j in $(seq 1 99); do mkdir "$top/pod$i/docker-$(printf '%064x' $((i*1000+j))).scope"; done
done
echo "memory cgroups now: $(awk '$1=="memory"{print $3}' /proc/cgroups)"
for r in 1 2 3; do
  cat /proc/loadavg
  /usr/bin/time -f "wall %e s, user %U s, sys %S s" "$1" cgroups reclaim --dry-run --json --remove-orphans --under /hkbenchfleet 2>/tmp/fleet-rb.err \
    | python3 -c 'import json,sys; j=json.load(sys.stdin); print("census", j["censusMillis"], "ms, plan", j["planMillis"], "ms,", len(j["steps"]), "steps")'
  tail -1 /tmp/fleet-rb.err
done

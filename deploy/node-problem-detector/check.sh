#!/bin/sh
# Validates hostkit's node-problem-detector custom plugin monitor configs (*.json here) the way NPD does when it
# loads them (plugin "custom", Go durations, rule timeout <= global timeout, a default condition for every
# permanent rule) plus hostkit's own contract (the path, `doctor --check <Condition> --npd`, 80-character output),
# and prints each plugin's command line.
#
# When the hostkit binary exists (or HOSTKIT_BIN names one to use in place of /opt/hostkit/bin/hostkit), it also
# runs every command exactly as NPD would (same argv, the rule's timeout) and checks the plugin protocol: exit
# status 0 (OK), 1 (problem) or 2 (unknown), one line of at most 80 characters on stdout.
#   ./check.sh                 validate, and run the commands if hostkit is installed
#   ./check.sh --no-run        validate only
#   HOSTKIT_BIN=./hostkit ./check.sh
# Exit status: 0 all good, 1 a config or a plugin run broke the contract.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
run=auto
[ "${1:-}" = "--no-run" ] && run=no

if ! command -v python3 >/dev/null 2>&1; then
    # Without python3: syntax and command lines only.
    command -v jq >/dev/null 2>&1 || { echo "check.sh: needs python3 (or at least jq)" >&2; exit 1; }
    for f in "$here"/*.json; do
        jq -e -r '.rules[] | "\(.condition): \(.path) \(.args | join(" "))"' "$f" || { echo "check.sh: $f: invalid" >&2; exit 1; }
    done
    echo "check.sh: python3 missing: checked JSON syntax only" >&2
    exit 0
fi

exec python3 - "$here" "$run" <<'PY'
import json, os, re, subprocess, sys, time

here, run = sys.argv[1], sys.argv[2]
HOSTKIT = "/opt/hostkit/bin/hostkit"
EXPECTED = {"MacvlanLost", "MemcgIdPressure", "DockerSocketLeak", "DockerEngineDown"}
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}

def seconds(s, where):
    if not isinstance(s, str) or not GO_DURATION.match(s):
        raise ValueError(f"{where}: {s!r} is not a Go duration (e.g. 30s, 5m)")
    return sum(float(n) * UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)", s))

problems, seen, commands = [], set(), []
files = sorted(f for f in os.listdir(here) if f.endswith(".json"))
for name in files:
    path = os.path.join(here, name)
    try:
        with open(path, encoding="utf-8") as fh:
            cfg = json.load(fh)
        if cfg.get("plugin") != "custom":
            raise ValueError(f"plugin is {cfg.get('plugin')!r}, NPD supports only \"custom\"")
        pc = cfg.get("pluginConfig", {})
        interval = seconds(pc.get("invoke_interval", "30s"), "pluginConfig.invoke_interval")
        timeout = seconds(pc.get("timeout", "5s"), "pluginConfig.timeout")
        if pc.get("max_output_length", 80) != 80:
            raise ValueError(f"max_output_length is {pc.get('max_output_length')}, hostkit prints at most 80 characters")
        if timeout >= interval:
            raise ValueError(f"timeout {pc.get('timeout')} is not below invoke_interval {pc.get('invoke_interval')}")
        if not cfg.get("source"):
            raise ValueError("no source")
        defaults = {c.get("type") for c in cfg.get("conditions", [])}
        for c in cfg.get("conditions", []):
            for key in ("type", "reason", "message"):
                if not c.get(key):
                    raise ValueError(f"condition {c} has no {key}")
        rules = cfg.get("rules") or []
        if not rules:
            raise ValueError("no rules")
        for i, r in enumerate(rules):
            where = f"rules[{i}]"
            if r.get("type") not in ("permanent", "temporary"):
                raise ValueError(f"{where}.type is {r.get('type')!r}, not permanent or temporary")
            rt = seconds(r["timeout"], where + ".timeout") if "timeout" in r else timeout
            if rt > timeout:
                raise ValueError(f"{where}.timeout {r['timeout']} is above the global timeout {pc.get('timeout')}: NPD refuses the config")
            cond = r.get("condition")
            if r["type"] == "permanent" and cond not in defaults:
                raise ValueError(f"{where}: permanent problem {cond} has no default condition: NPD refuses the config")
            if not r.get("reason"):
                raise ValueError(f"{where} has no reason")
            if r.get("path") != HOSTKIT:
                raise ValueError(f"{where}.path is {r.get('path')!r}, expected {HOSTKIT}")
            want = ["doctor", "--check", cond, "--npd"]
            if r.get("args") != want:
                raise ValueError(f"{where}.args is {r.get('args')}, expected {want}")
            if cond in seen:
                raise ValueError(f"{where}: condition {cond} is handled by another config too")
            seen.add(cond)
            commands.append((name, cond, r["path"], r["args"], rt, pc.get("invoke_interval", "30s")))
    except (ValueError, KeyError, json.JSONDecodeError) as e:
        problems.append(f"{name}: {e}")

if seen != EXPECTED and not problems:
    problems.append(f"conditions {sorted(seen)} differ from the expected {sorted(EXPECTED)}")
for name, cond, p, args, rt, every in commands:
    print(f"{cond:17} {p} {' '.join(args)}   (every {every}, timeout {rt:g}s; {name})")

binary = os.environ.get("HOSTKIT_BIN") or (HOSTKIT if os.access(HOSTKIT, os.X_OK) else None)
if run == "no":
    pass
elif not binary:
    print(f"not run: {HOSTKIT} is not installed (set HOSTKIT_BIN to try a build)")
else:
    for name, cond, p, args, rt, _ in commands:
        argv = [binary if p == HOSTKIT else p] + args
        t0 = time.monotonic()
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=rt)
        except subprocess.TimeoutExpired:
            problems.append(f"{cond}: no answer within {rt:g}s (NPD reports Unknown)")
            continue
        except OSError as e:
            problems.append(f"{cond}: cannot run {argv[0]}: {e}")
            continue
        ms = (time.monotonic() - t0) * 1000
        out = done.stdout.decode("utf-8", "replace")
        lines = out.rstrip("\n").split("\n") if out.strip() else []
        status = {0: "OK", 1: "problem", 2: "unknown"}.get(done.returncode)
        print(f"  {cond}: exit {done.returncode} ({status}), {ms:.0f} ms: {out.strip()!r}")
        if status is None:
            problems.append(f"{cond}: exit status {done.returncode}, the plugin protocol allows 0, 1 and 2")
        if len(lines) != 1:
            problems.append(f"{cond}: {len(lines)} lines on stdout, expected exactly one")
        elif len(lines[0]) > 80:
            problems.append(f"{cond}: message of {len(lines[0])} characters, NPD keeps 80: {lines[0]!r}")

for p in problems:
    print("check.sh: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

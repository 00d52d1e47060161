#!/bin/sh
# Checks hostkit's Prometheus rules: `promtool check rules` (syntax, types) and `promtool test rules` (the unit
# tests in tests/: a RHEL 7 node running out of memcg IDs in 20 hours, a healthy node, guardian failures).
# Installs promtool from the Debian package `prometheus` when it is missing (as root, with services kept from
# starting). Exit status: 0 all passed, 1 a check failed, 2 promtool unavailable.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "check.sh: promtool is missing; install the Debian package 'prometheus' (it carries promtool)" >&2
        exit 2
    fi
    echo "check.sh: installing promtool (Debian package prometheus; its service is not started)" >&2
    # The package's postinst starts prometheus.service unless invoke-rc.d is told not to: a policy-rc.d that
    # answers 101 ("action forbidden") for the length of the install, restored afterwards.
    policy=/usr/sbin/policy-rc.d
    restore=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        restore="rm -f $policy"
    fi
    trap '${restore:-true}' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null; } \
        || { echo "check.sh: apt-get install prometheus failed" >&2; exit 2; }
    ${restore:-true}
    trap - EXIT
fi

promtool check rules "$here"/*.rules.yml
# promtool resolves rule_files relative to the test file's directory.
cd "$here/tests"
promtool test rules ./*.test.yml

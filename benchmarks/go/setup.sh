#!/bin/sh
# Installs what the Go reference needs, from Debian: the Go toolchain and vishvananda/netlink's source (with its
# dependency vishvananda/netns) under /usr/share/gocode. Run once, as root, before run.sh; never at test time.
set -eu
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/vishvananda/netlink ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends golang-go golang-github-vishvananda-netlink-dev >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends golang-go golang-github-vishvananda-netlink-dev >/dev/null; }

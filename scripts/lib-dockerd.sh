# Sourced by scripts/test and scripts/dev-dockerd: start and stop a private Docker Engine.
# Never the system engine: own socket, data-root, exec-root and pidfile under one directory,
# no iptables and no bridge, so nothing on the host's network changes. The directory also gets
# a `ctl` script (`ctl stop`, `ctl start`, `ctl restart`) exported as HK_DOCKERD_CTL, so tests can
# take the engine away and bring it back.

hk_install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  { [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx ping; } || missing+=(busybox-static)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v strace >/dev/null 2>&1 || missing+=(strace)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)   # deploy/node-problem-detector/check.sh
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "scripts/test: missing ${missing[*]} and not root: install them, or integration tests will skip" >&2
      return 0
    fi
    echo "scripts/test: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The docker CLI that matches the engine: prefer the packaged one over any other on the PATH.
hk_docker_cli() {
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi
}

# Writes $1/ctl and starts the engine with it; exports DOCKER_HOST and HK_DOCKERD_CTL.
hk_start_dockerd() {
  HK_DOCKER_DIR=$1
  mkdir -p "$HK_DOCKER_DIR"/{data,exec}
  local ns; ns="hk-$(basename "$(dirname "$HK_DOCKER_DIR")")-$(basename "$HK_DOCKER_DIR")"
  cat >"$HK_DOCKER_DIR/ctl" <<CTL
#!/usr/bin/env bash
# Controls the private dockerd in $HK_DOCKER_DIR: start | stop | restart | status
dir=$HK_DOCKER_DIR
cli=$(hk_docker_cli)
start() {
  setsid dockerd --host "unix://\$dir/docker.sock" \\
    --data-root "\$dir/data" --exec-root "\$dir/exec" --pidfile "\$dir/dockerd.pid" \\
    --iptables=false --ip6tables=false --bridge=none --ip-masq=false \\
    --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" \\
    >>"\$dir/dockerd.log" 2>&1 </dev/null &
  for _ in \$(seq 1 150); do
    "\$cli" -H "unix://\$dir/docker.sock" version >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "private dockerd in \$dir did not start; its log:" >&2; tail -30 "\$dir/dockerd.log" >&2; return 1
}
stop() {
  local pid; pid=\$(cat "\$dir/dockerd.pid" 2>/dev/null) || return 0
  kill -TERM "\$pid" 2>/dev/null || return 0
  for _ in \$(seq 1 150); do kill -0 "\$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "\$pid" 2>/dev/null || true
}
case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) "\$cli" -H "unix://\$dir/docker.sock" version >/dev/null 2>&1 ;;
  *) echo "usage: \$0 start|stop|restart|status" >&2; exit 64 ;;
esac
CTL
  chmod +x "$HK_DOCKER_DIR/ctl"
  "$HK_DOCKER_DIR/ctl" start || return 1
  export DOCKER_HOST="unix://$HK_DOCKER_DIR/docker.sock"
  export HK_DOCKERD_CTL="$HK_DOCKER_DIR/ctl"
}

# Imports the busybox test image from a tarball of /bin/busybox and its applet links: no registry here.
hk_import_busybox() {
  local image=$1 root="$HK_DOCKER_DIR/image-root"
  mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  tar -C "$root" -cf "$HK_DOCKER_DIR/busybox.tar" .
  "$(hk_docker_cli)" -H "$DOCKER_HOST" import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' "$HK_DOCKER_DIR/busybox.tar" "$image" >/dev/null
  rm -rf "$root" "$HK_DOCKER_DIR/busybox.tar"
}

# Removes every container and image of the private engine, stops it and deletes its directory.
hk_stop_dockerd() {
  [ -n "${HK_DOCKER_DIR:-}" ] && [ -x "$HK_DOCKER_DIR/ctl" ] || return 0
  local cli; cli=$(hk_docker_cli)
  local host="unix://$HK_DOCKER_DIR/docker.sock"
  if "$HK_DOCKER_DIR/ctl" status; then
    local ids; ids=$("$cli" -H "$host" ps -aq 2>/dev/null)
    [ -z "$ids" ] || "$cli" -H "$host" rm -f -v $ids >/dev/null 2>&1 || true
    "$cli" -H "$host" image prune -af >/dev/null 2>&1 || true
  fi
  "$HK_DOCKER_DIR/ctl" stop
  # The exec-root and data-root may hold mounts (overlay, netns); unmount before removing.
  grep -o " $HK_DOCKER_DIR[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done || true
  rm -rf "$HK_DOCKER_DIR"
}

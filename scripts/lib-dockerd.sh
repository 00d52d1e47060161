# Sourced by scripts/test and scripts/dev-dockerd: start and stop a private Docker Engine.
# Never the system engine: own socket, data-root, exec-root and pidfile under $HK_DOCKER_DIR,
# no iptables and no bridge, so nothing on the host's network changes.

hk_install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx ping || missing+=(busybox-static)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
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

hk_start_dockerd() {
  # $1: the directory that holds everything of this engine.
  HK_DOCKER_DIR=$1
  mkdir -p "$HK_DOCKER_DIR"/{data,exec}
  local sock="$HK_DOCKER_DIR/docker.sock"
  dockerd --host "unix://$sock" \
    --data-root "$HK_DOCKER_DIR/data" --exec-root "$HK_DOCKER_DIR/exec" \
    --pidfile "$HK_DOCKER_DIR/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none --ip-masq=false \
    --containerd-namespace "hk-$(basename "$HK_DOCKER_DIR")" --containerd-plugins-namespace "hk-$(basename "$HK_DOCKER_DIR")-plugins" \
    >"$HK_DOCKER_DIR/dockerd.log" 2>&1 &
  HK_DOCKERD_PID=$!
  local cli; cli=$(hk_docker_cli)
  for _ in $(seq 1 150); do
    if "$cli" -H "unix://$sock" version >/dev/null 2>&1; then
      export DOCKER_HOST="unix://$sock"
      return 0
    fi
    kill -0 "$HK_DOCKERD_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "scripts/test: private dockerd did not start; its log:" >&2
  tail -30 "$HK_DOCKER_DIR/dockerd.log" >&2
  return 1
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

hk_stop_dockerd() {
  [ -n "${HK_DOCKERD_PID:-}" ] || return 0
  local cli; cli=$(hk_docker_cli)
  if [ -n "${DOCKER_HOST:-}" ]; then
    local ids; ids=$("$cli" -H "$DOCKER_HOST" ps -aq 2>/dev/null)
    [ -z "$ids" ] || "$cli" -H "$DOCKER_HOST" rm -f -v $ids >/dev/null 2>&1 || true
    "$cli" -H "$DOCKER_HOST" image prune -af >/dev/null 2>&1 || true
  fi
  kill -TERM "$HK_DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$HK_DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$HK_DOCKERD_PID" 2>/dev/null || true
  wait "$HK_DOCKERD_PID" 2>/dev/null || true
  # The exec-root and data-root may hold mounts (overlay, netns); unmount before removing.
  grep -o " $HK_DOCKER_DIR[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$HK_DOCKER_DIR"
  HK_DOCKERD_PID=
}

#!/bin/sh
# Installs hostkit under PREFIX for node-problem-detector and the DaemonSet, for the JRE that will run it: the jar,
# JNA's native library, the launcher NPD's configs name (PREFIX/bin/hostkit) and a class-data-sharing archive of the
# classes the four plugins and the doctor's survey load, dumped by that JRE. deploy/Dockerfile runs it for
# /opt/hostkit; benchmarks/.../NpdPluginBenchmark measures an install made by it, so the figures are the image's.
#   install-hostkit.sh DIR PREFIX [JAVA_HOME]
# DIR holds hostkit.jar and jna/ (cli/target after `mvn -pl cli -am package`). JAVA_HOME defaults to $JAVA_HOME,
# else the java on PATH; from a JDK, PREFIX/jre is a runtime of only the modules hostkit uses (jlink). The archive
# records the jar's path, size and time: run the install at the path it will run
# from (copy it elsewhere with `cp -rLp`, times kept, to that same path); a JVM that finds it changed ignores it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: install-hostkit.sh DIR PREFIX [JAVA_HOME]" >&2; exit 64; }
src=$1
prefix=$2
jhome=${3:-${JAVA_HOME:-}}
[ -n "$jhome" ] || jhome=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
[ -x "$jhome/bin/java" ] || { echo "install-hostkit.sh: no $jhome/bin/java" >&2; exit 1; }
[ -f "$src/hostkit.jar" ] || { echo "install-hostkit.sh: no $src/hostkit.jar" >&2; exit 1; }
case "$prefix" in
    *[[:space:]]*) echo "install-hostkit.sh: PREFIX must not contain white space, got '$prefix'" >&2; exit 64 ;;
    /*) ;;
    *) echo "install-hostkit.sh: PREFIX must be an absolute path, got $prefix" >&2; exit 64 ;;
esac

# A reinstall over a running install (the guardian's unit runs from PREFIX) replaces nothing until every new piece is
# made: the runtime, jar, JNA library and launcher are made in a stage directory inside PREFIX (the same file system),
# then each goes into place by rename(2). A running JVM keeps reading the jar it opened (cp over it would rewrite the
# file under it, and a class it loads later would come from the new bytes at the old offsets), and a failed jdeps,
# jlink or copy leaves the previous install whole. The archives are dumped last, for the new jar at its final path.
# A stage left by an install killed outright (PREFIX/.install.*) holds nothing in use: remove it by hand.
mkdir -p "$prefix"
stage=$(mktemp -d "$prefix/.install.XXXXXX")
engine=
phase="making the new install in $stage ($prefix is unchanged)"
finish() {
    status=$?
    [ -z "$engine" ] || kill "$engine" 2>/dev/null || true
    rm -rf "$stage"
    [ "$status" = 0 ] || echo "install-hostkit.sh: failed while $phase" >&2
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$stage/bin" "$stage/lib"
cp -p "$src/hostkit.jar" "$stage/hostkit.jar"

# The runtime: from a JDK (jlink and jmods), one with only the modules hostkit.jar uses (jdeps), plus jdk.crypto.ec
# (a provider TLS finds by service lookup, which jdeps cannot see). The module graph every start builds, the runtime
# image's index the JVM reads and the archives dumped below are then smaller: a guardian holds 0.7 MB less
# resident, with 1 or 100 interfaces (benchmarks/results/guard-footprint.md, session 8). From a JRE (no jlink),
# PREFIX/jre links to it whole. HOSTKIT_JLINK=0 links to JAVA_HOME whole even from a JDK.
if [ "${HOSTKIT_JLINK:-1}" != 0 ] && [ -x "$jhome/bin/jlink" ] && [ -x "$jhome/bin/jdeps" ] && [ -d "$jhome/jmods" ]; then
    phase="listing the modules hostkit.jar uses ($jhome/bin/jdeps; $prefix is unchanged)"
    modules=$("$jhome/bin/jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps "$stage/hostkit.jar")
    phase="linking the runtime ($jhome/bin/jlink; $prefix is unchanged)"
    "$jhome/bin/jlink" --add-modules "$modules,jdk.crypto.ec" --no-header-files --no-man-pages \
        --output "$stage/jre"
    phase="making the new install in $stage ($prefix is unchanged)"
else
    [ "${HOSTKIT_JLINK:-1}" = 0 ] || echo "install-hostkit.sh: $jhome has no jlink and jmods (a JRE): $prefix/jre is all of it" >&2
    ln -s "$jhome" "$stage/jre"
fi
java="$prefix/jre/bin/java"

# JNA loads its native half from PREFIX/lib (-Djna.boot.library.path) instead of extracting it from the jar to a
# temporary file on every start. Copied from the JNA release the jar shades; JNA checks the version when it loads it.
case $(uname -m) in
    x86_64) jna=linux-x86-64 ;;
    aarch64) jna=linux-aarch64 ;;
    *) jna= ;;
esac
if [ -n "$jna" ] && [ -f "$src/jna/com/sun/jna/$jna/libjnidispatch.so" ]; then
    cp -p "$src/jna/com/sun/jna/$jna/libjnidispatch.so" "$stage/lib/libjnidispatch.so"
else
    echo "install-hostkit.sh: no JNA library for $(uname -m) in $src/jna: JNA extracts it on every start" >&2
fi

# Where JNA looks for libc (the only library hostkit binds): the directories JNA itself would list, found here once.
# Unset, JNA runs `/sbin/ldconfig -p` in every process to add ldconfig's directories to these.
case $(uname -m) in
    x86_64) multiarch=x86_64-linux-gnu ;;
    aarch64) multiarch=aarch64-linux-gnu ;;
    *) multiarch=$(uname -m)-linux-gnu ;;
esac
libpath=
for d in /usr/lib/$multiarch /lib/$multiarch /usr/lib64 /lib64 /usr/lib /lib; do
    if [ -d "$d" ]; then
        libpath=${libpath:+$libpath:}$d
    fi
done

# The JVM flags of a short-lived command: C1 only (a plugin never runs long enough for C2), serial GC, no
# /tmp/hsperfdata_* file (none in NPD's container either). The paths are this install's: the archive holds them anyway.
# ArchiveRelocationMode=0 maps the class-data archives at the address they were dumped for, as Java 17 did when it
# came out; later 17 updates (Debian's 17.0.15 here) relocate them to a random address at every start, which patches
# every pointer in them: 40-60 ms of a 200 ms plugin run (benchmarks/results/npd.md). The archive's metadata is then
# at a known address, which is what every Java 17 before that change did.
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Djna.boot.library.path=$prefix/lib"
flags="$flags -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
flags="$flags -Djna.platform.library.path=$libpath"
cat > "$stage/bin/hostkit" <<EOF
#!/bin/sh
# hostkit with the JRE, JNA library and CDS archive installed beside it by deploy/install-hostkit.sh.
exec "$java" $flags -Xshare:auto -XX:SharedArchiveFile="$prefix/hostkit.jsa" \\
  -Xlog:disable -Xlog:all=error:stderr -jar "$prefix/hostkit.jar" "\$@"
EOF
chmod 755 "$stage/bin/hostkit"

# Into place. The old archives go first: they were dumped for the old jar (a JVM would notice and ignore them). The
# old runtime moves into the stage (removed with it) just before the new one takes its name.
phase="putting the new install in place in $prefix (re-run the install)"
mkdir -p "$prefix/bin" "$prefix/lib"
rm -f "$prefix/hostkit.jsa" "$prefix/hostkit-guard.jsa"
mv -f "$stage/hostkit.jar" "$prefix/hostkit.jar"
[ ! -f "$stage/lib/libjnidispatch.so" ] || mv -f "$stage/lib/libjnidispatch.so" "$prefix/lib/libjnidispatch.so"
if [ -e "$prefix/jre" ] || [ -L "$prefix/jre" ]; then
    mv "$prefix/jre" "$stage/jre.old"
fi
# Should the new one not get there, the old one goes back rather than out with the stage.
if ! mv "$stage/jre" "$prefix/jre"; then
    if [ -e "$stage/jre.old" ] || [ -L "$stage/jre.old" ]; then
        mv "$stage/jre.old" "$prefix/jre"
    fi
    exit 1
fi
mv -f "$stage/bin/hostkit" "$prefix/bin/hostkit"
phase="dumping the class-data archives: $prefix runs without them until the install is re-run"

# The archive: the classes each plugin and the doctor's survey load, listed by a run of each, dumped into one static
# archive. The runs look at an empty host root (no Docker socket), as an image build does, so the result does not
# depend on the machine that installs; the memcg check reads this host's cgroups, the guardian checks read the
# training state of deploy/cds-training (one snapshot of a namespace that does not exist).
work="$stage/work"
mkdir -p "$work/root"
mkdir -m 700 "$work/state"
for f in "$here"/cds-training/netns-*.json; do
    if [ -f "$f" ]; then
        cp "$f" "$work/state/"
        chmod 600 "$work/state/${f##*/}"
    fi
done
nosocket="unix://$work/root/var/run/docker.sock"
# The Docker checks train against a stand-in engine on that socket (one canned /_ping reply, cli's CdsTrainingEngine):
# the HTTP exchange and the socket survey's connections are then in the archive too.
mkdir -p "$work/root/var/run"
"$java" -cp "$prefix/hostkit.jar" dev.hostkit.cli.CdsTrainingEngine "$work/root/var/run/docker.sock" &
engine=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -S "$work/root/var/run/docker.sock" ] && break
    sleep 0.2
done
for c in MacvlanLost MemcgIdPressure DockerEngineDown DockerSocketLeak; do
    root=/
    case $c in Docker*) root="$work/root" ;; esac
    env -u DOCKER_HOST -u HOSTKIT_ROOT "$java" $flags -Xlog:disable -XX:DumpLoadedClassList="$work/$c.classlist" \
        -jar "$prefix/hostkit.jar" doctor --check $c --npd --root "$root" --state-dir "$work/state" >/dev/null || true
done
kill $engine 2>/dev/null || true
wait $engine 2>/dev/null || true
engine=
# On a node with a running guardian, MacvlanLost reads the status the guardian publishes while it holds its directory's
# flock: trained here with deploy/cds-training/status.json and flock(1) holding the lock, as the daemon would.
if command -v flock >/dev/null 2>&1 && [ -f "$here/cds-training/status.json" ]; then
    mkdir -m 700 "$work/running"
    install -m 600 "$here/cds-training/status.json" "$work/running/status.json"
    install -m 600 /dev/null "$work/running/guardian.lock"
    env -u DOCKER_HOST -u HOSTKIT_ROOT flock "$work/running/guardian.lock" "$java" $flags -Xlog:disable \
        -XX:DumpLoadedClassList="$work/MacvlanLost-running.classlist" -jar "$prefix/hostkit.jar" \
        doctor --check MacvlanLost --npd --root / --state-dir "$work/running" >/dev/null || true
else
    echo "install-hostkit.sh: no flock(1): MacvlanLost beside a running guardian loads its status reader from the jar" >&2
fi
DOCKER_HOST=$nosocket "$java" $flags -Xlog:disable -XX:DumpLoadedClassList="$work/doctor.classlist" \
    -jar "$prefix/hostkit.jar" doctor --json --state-dir "$work/state" >/dev/null 2>&1 || true
cat "$work"/*.classlist > "$work/hostkit.classlist"
"$java" -XX:+UseSerialGC -Xshare:dump -XX:SharedClassListFile="$work/hostkit.classlist" \
    -XX:SharedArchiveFile="$stage/hostkit.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$prefix/hostkit.jar" >/dev/null
mv -f "$stage/hostkit.jsa" "$prefix/hostkit.jsa"
# The guardian's own archive, from the class list of a real guardian run kept in deploy/cds-training (an image build
# cannot run one): only the classes the daemon uses, its own included, so it holds about 2.6 MB less resident than
# with the JDK's default archive (benchmarks/results/guard-footprint.md). The collector must be the unit's.
if [ -f "$here/cds-training/guard.classlist" ]; then
    "$java" -XX:+UseSerialGC -Xshare:dump -XX:SharedClassListFile="$here/cds-training/guard.classlist" \
        -XX:SharedArchiveFile="$stage/hostkit-guard.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
        -cp "$prefix/hostkit.jar" >/dev/null
    mv -f "$stage/hostkit-guard.jsa" "$prefix/hostkit-guard.jsa"
else
    echo "install-hostkit.sh: no $here/cds-training/guard.classlist: the guardian runs with the JDK's archive" >&2
fi
phase="running one plugin through the new launcher (the install is in place)"
# One plugin through the launcher, for the build log (its exit status is the host's memcg headroom, not the install's).
"$prefix/bin/hostkit" doctor --check MemcgIdPressure --npd || true

# Sourced by bin/peer, bin/rendezvous and bin/diagnostics of the release archive, which set PINHOLE_COMMAND,
# PINHOLE_MAIN and pinhole_bin (their own directory). Finds a Java 17+ runtime and runs PINHOLE_MAIN with the
# archive's lib/ on the class path; never Maven (docs/install.md, "The archive").
# Plain POSIX sh with no external tools but readlink, so it runs wherever the archive is unpacked.

pinhole_fail() {
  echo "$PINHOLE_COMMAND: $*" >&2
  exit 1
}

# Follows symlinks to the real file (readlink without -f, which older macOS lacks).
pinhole_resolve() {
  pinhole_path=$1
  while [ -h "$pinhole_path" ]; do
    pinhole_link=$(readlink "$pinhole_path")
    case $pinhole_link in
      /*) pinhole_path=$pinhole_link ;;
      *) pinhole_path=${pinhole_path%/*}/$pinhole_link ;;
    esac
  done
  printf '%s\n' "$pinhole_path"
}

# The runtime's version, e.g. 17.0.15: from its release file when there is one, which costs no JVM start
# (that would add about 60 ms to every command), else from 'java -version'.
pinhole_java_version() {
  pinhole_real=$(pinhole_resolve "$1")
  pinhole_release=${pinhole_real%/*}/../release
  if [ -f "$pinhole_release" ]; then
    while IFS= read -r pinhole_line || [ -n "$pinhole_line" ]; do
      case $pinhole_line in
        JAVA_VERSION=*)
          pinhole_line=${pinhole_line#JAVA_VERSION=}
          pinhole_line=${pinhole_line#\"}
          printf '%s\n' "${pinhole_line%\"}"
          return 0 ;;
      esac
    done < "$pinhole_release"
  fi
  pinhole_line=$("$1" -version 2>&1) || return 0
  case $pinhole_line in
    *' version "'*)
      pinhole_line=${pinhole_line#* version \"}
      printf '%s\n' "${pinhole_line%%\"*}" ;;
  esac
}

pinhole_dist=$(cd "$pinhole_bin/.." && pwd -P)
if [ -x "$pinhole_dist/runtime/bin/java" ]; then
  pinhole_java=$pinhole_dist/runtime/bin/java
elif [ -n "${JAVA_HOME:-}" ]; then
  pinhole_java=$JAVA_HOME/bin/java
  [ -x "$pinhole_java" ] || pinhole_fail "JAVA_HOME: $JAVA_HOME (expected: a Java 17+ runtime with bin/java)"
elif pinhole_java=$(command -v java 2>/dev/null) && [ -n "$pinhole_java" ]; then
  :
else
  pinhole_fail "no Java found (expected: a Java 17+ runtime on PATH or in JAVA_HOME, e.g. apt-get install openjdk-17-jre-headless)"
fi

pinhole_version=$(pinhole_java_version "$pinhole_java")
pinhole_major=${pinhole_version%%[.+-]*}
if [ "$pinhole_major" = 1 ]; then
  # Java 8 and older name themselves 1.8.0_381.
  pinhole_major=${pinhole_version#1.}
  pinhole_major=${pinhole_major%%[._+-]*}
fi
case $pinhole_major in
  '' | *[!0-9]*) pinhole_fail "could not read the Java version of $pinhole_java (expected: a Java 17+ runtime; set JAVA_HOME to one)" ;;
esac
if [ "$pinhole_major" -lt 17 ]; then
  pinhole_fail "Java $pinhole_version at $pinhole_java is too old (expected: 17 or newer; install one, e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME to one)"
fi

# A peer's JVM: serial GC, the C1 compiler only, a 64 MB heap (its data is in direct buffers, capped apart), 512 KB
# thread stacks; the rendezvous keeps the JVM's defaults, as its heap grows with its peers. Why each, and what it
# saves: docs/benchmarks.md, "Footprint". PINHOLE_JAVA_OPTS comes after, so it overrides any of them.
pinhole_defaults=
if [ "$PINHOLE_COMMAND" != rendezvous ]; then
  pinhole_defaults="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms8m -Xmx64m -XX:MaxDirectMemorySize=256m"
fi

# The peer's class-data-sharing archive, made at package time for the runtime it was made with (lib/peer.jsa for the
# build's Java, runtime/lib/peer.jsa for the bundled one): docs/operations.md, "Start-up and memory". Java 17 accepts
# it only if the class path names the jars exactly as when it was made, so both reach the archive's directory through
# file descriptor 9, /proc/self/fd/9, which reads the same wherever the archive was unpacked. Any mismatch (another
# Java, changed jars) only makes the JVM start without it: its cds warnings, printed on stdout, are turned off.
# The training run at package time goes through here too, so it records the same class path.
pinhole_lib=$pinhole_dist/lib
if [ "$PINHOLE_COMMAND" = peer ] && [ -f "$pinhole_dist/lib/classpath" ] && [ -d /proc/self/fd ] && [ -r "$pinhole_dist" ]; then
  exec 9<"$pinhole_dist"
  pinhole_lib=/proc/self/fd/9/lib
  pinhole_jsa=lib/peer.jsa
  [ "$pinhole_java" = "$pinhole_dist/runtime/bin/java" ] && pinhole_jsa=runtime/lib/peer.jsa
  if [ -f "$pinhole_dist/$pinhole_jsa" ]; then
    pinhole_defaults="$pinhole_defaults -XX:SharedArchiveFile=/proc/self/fd/9/$pinhole_jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
fi
# lib/classpath (written at package time) lists the jars in a fixed order; without it, the JVM expands lib/*.
if [ -f "$pinhole_dist/lib/classpath" ]; then
  pinhole_cp=
  while IFS= read -r pinhole_jar || [ -n "$pinhole_jar" ]; do
    pinhole_cp=${pinhole_cp:+$pinhole_cp:}$pinhole_lib/$pinhole_jar
  done < "$pinhole_dist/lib/classpath"
else
  pinhole_cp="$pinhole_dist/lib/*"
fi

# Leak detection samples buffers at a cost; the tests run it at "paranoid" instead (pom.xml).
# PINHOLE_JAVA_OPTS is split on spaces on purpose: it holds several JVM options.
# shellcheck disable=SC2086
exec "$pinhole_java" -Dio.netty.leakDetection.level=disabled $pinhole_defaults ${PINHOLE_JAVA_OPTS:-} \
  -cp "$pinhole_cp" "$PINHOLE_MAIN" "$@"

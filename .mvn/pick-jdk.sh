# Sourced by ./mvnw (pvkit addition). pvkit compiles and tests with JDK 25 through
# maven-toolchains-plugin (select-jdk-toolchain, [25,)), which works with Maven on any JDK.
# maven-jar-plugin, however, rewrites modular jars with the jar tool of the JDK that runs Maven,
# and a JDK older than 25 cannot read a release-25 module-info.class. So when the JDK that would
# run Maven is older than 25, run Maven on an installed JDK >= 25 if there is one. When there is
# none, nothing changes and the toolchains plugin stops the build, saying no JDK [25,) was found.
pvkit_java_feature() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}
pvkit_current="${JAVA_HOME:-}"
if [ -z "$pvkit_current" ] && command -v java >/dev/null 2>&1; then
  pvkit_current=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p' | head -n1)
fi
pvkit_v=0
[ -n "$pvkit_current" ] && [ -x "$pvkit_current/bin/java" ] && pvkit_v=$(pvkit_java_feature "$pvkit_current")
case "$pvkit_v" in ''|*[!0-9]*) pvkit_v=0 ;; esac
if [ "$pvkit_v" -lt 25 ]; then
  for pvkit_jdk in /usr/lib/jvm/* /opt/java/* /opt/* "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$pvkit_jdk/bin/javac" ] || continue
    pvkit_jv=$(pvkit_java_feature "$pvkit_jdk")
    case "$pvkit_jv" in ''|*[!0-9]*) continue ;; esac
    if [ "$pvkit_jv" -ge 25 ]; then
      JAVA_HOME="$pvkit_jdk"; export JAVA_HOME
      pvkit_found=1
      break
    fi
  done
  if [ -z "${pvkit_found:-}" ]; then
    echo "pvkit: no JDK 25 or newer is installed (looked in JAVA_HOME, /usr/lib/jvm, /opt, ~/.jdks, ~/.sdkman);" >&2
    echo "pvkit: the build compiles and tests with JDK 25 and will stop at maven-toolchains-plugin." >&2
  fi
fi
# Maven 3.9's bundled Guice touches sun.misc.Unsafe; on JDK 23+ that prints a deprecation warning
# on every run. Allow it for Maven's own JVM only (never for pvkit code or its tests).
pvkit_run=${JAVA_HOME:-$pvkit_current}
if [ -n "$pvkit_run" ] && [ -x "$pvkit_run/bin/java" ]; then
  pvkit_rv=$(pvkit_java_feature "$pvkit_run")
  case "$pvkit_rv" in ''|*[!0-9]*) pvkit_rv=0 ;; esac
  if [ "$pvkit_rv" -ge 23 ]; then
    case "${MAVEN_OPTS:-}" in
      *sun-misc-unsafe-memory-access*) ;;
      *) MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
    esac
  fi
fi
unset pvkit_current pvkit_v pvkit_jdk pvkit_jv pvkit_run pvkit_rv pvkit_found

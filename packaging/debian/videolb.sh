#!/bin/sh
# videolb: runs the videolb jar (every subcommand: videolb --help; docs in
# /usr/share/doc/videolb/). JVM options: VIDEOLB_JAVA_OPTS (default C1 only,
# -XX:TieredStopAtLevel=1: faster start and less memory for this I/O-bound
# control plane; set it, even to "", to replace the default).
: "${VIDEOLB_JAVA_OPTS=-XX:TieredStopAtLevel=1}"
JAVA=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && JAVA=$JAVA_HOME/bin/java
# shellcheck disable=SC2086 # word splitting of the options is intended
exec "$JAVA" $VIDEOLB_JAVA_OPTS -jar /usr/share/videolb/videolb.jar "$@"

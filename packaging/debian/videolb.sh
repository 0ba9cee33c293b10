#!/bin/sh
# videolb: runs the videolb jar (every subcommand: videolb --help; docs in
# /usr/share/doc/videolb/). JVM options: VIDEOLB_JAVA_OPTS (default C1 only,
# -XX:TieredStopAtLevel=1: faster start and less memory for this I/O-bound
# control plane, the serial collector, exit at an OutOfMemoryError (systemd
# restarts the service), and a heap per service sized at 100,000 clients:
# deployment.md, "JVM memory"; set it, even to "", to replace the default).
# The same defaults as the repository's ./videolb.
if [ -z "${VIDEOLB_JAVA_OPTS+set}" ]; then
    case "${1:-}" in
        standalone) VIDEOLB_JAVA_OPTS="-XX:+UseG1GC -Xmx256m" ;;
        config-service) VIDEOLB_JAVA_OPTS="-XX:+UseSerialGC -Xmx96m" ;;
        agent) VIDEOLB_JAVA_OPTS="-XX:+UseSerialGC -Xmx96m" ;;
        health) VIDEOLB_JAVA_OPTS="-XX:+UseSerialGC -Xmx64m" ;;
        alert) VIDEOLB_JAVA_OPTS="-XX:+UseSerialGC -Xmx64m" ;;
        *) VIDEOLB_JAVA_OPTS="-XX:+UseSerialGC" ;;
    esac
    VIDEOLB_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError $VIDEOLB_JAVA_OPTS"
fi
JAVA=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && JAVA=$JAVA_HOME/bin/java
# shellcheck disable=SC2086 # word splitting of the options is intended
exec "$JAVA" $VIDEOLB_JAVA_OPTS -jar /usr/share/videolb/videolb.jar "$@"

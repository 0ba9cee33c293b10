# Runtime image for every videolb service; build the jar first:
#   mvn -B -DskipTests package -pl videolb-app -am
# config-service, health-service and alert-service run as the unprivileged user videolb (uid/gid 10001, the
# image's default USER). Only ipvs-agent runs as uid 0, and then with every capability dropped but NET_ADMIN and
# NET_RAW (docker-compose.yml: user "0:0", cap_drop ALL, cap_add NET_ADMIN, NET_RAW; docs/security.md, "Containers").
# ComposeProcessIT reads USER and the useradd/groupadd lines below for the uid and gid it runs those services as.
FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends ipvsadm ipset iptables kmod \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 videolb \
    && useradd --system --uid 10001 --gid videolb --home-dir /var/lib/videolb --no-create-home \
       --shell /usr/sbin/nologin videolb \
    && install -d -o videolb -g videolb -m 0750 /var/lib/videolb /var/lib/videolb/alert-mail
COPY videolb-app/target/videolb.jar /opt/videolb/videolb.jar
COPY examples /opt/videolb/examples
USER videolb:videolb
WORKDIR /var/lib/videolb
ENTRYPOINT ["java", "-jar", "/opt/videolb/videolb.jar"]

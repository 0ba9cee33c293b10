# Runtime image for every videolb service; build the jar first:
#   mvn -B -DskipTests package -pl videolb-app -am
FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends ipvsadm ipset iptables kmod \
    && rm -rf /var/lib/apt/lists/*
COPY videolb-app/target/videolb.jar /opt/videolb/videolb.jar
COPY examples /opt/videolb/examples
ENTRYPOINT ["java", "-jar", "/opt/videolb/videolb.jar"]

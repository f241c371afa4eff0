#!/usr/bin/env bash
# Builds here (no GPU needed) what bench/gpu_check.sh needs on the GPU machine, which has no Maven
# and no JDK: the jar (with the fatbin), the test classes, JUnit's console launcher and a jlink'ed
# Java runtime (java.logging for JUnit), all under target/ (about 60 MB, within the device tool's 64 MiB carry limit).
#   bash bench/gpu_bundle.sh
# then carry: target/soundstorm4j.jar target/test-classes target/junit target/jre
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn -q -B package -DskipTests -pl library
test -f target/classes/cuda/soundstorm4j.fatbin || { echo "no fatbin: is nvcc on PATH?" >&2; exit 1; }
mvn -q -B -pl library dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
    -DoutputDirectory=target/junit -Dmdep.stripVersion=true
rm -rf target/jre
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported --strip-debug \
    --no-man-pages --no-header-files --compress=zip-9 --output target/jre
du -shc target/soundstorm4j.jar target/test-classes target/junit target/jre

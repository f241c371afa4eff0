#!/usr/bin/env bash
# Runs the CUDA backend's tests on the fake CUDA (no GPU needed): builds target/fakecuda/ with
# build.sh, then the Cuda* tests with -Dcuda.required=true (a test that cannot find "CUDA" fails
# instead of skipping), the fake libcuda.so.1 first on LD_LIBRARY_PATH (the forked test JVM
# inherits it; JCuda's native library and the backend's probe load libcuda.so.1 through the
# dynamic loader) and -Dsoundstorm4j.cublas.library naming the fake cuBLAS (through the pom's
# fakecuda.argLine property). Extra arguments go to mvn; FAKECUDA_TESTS overrides the test pattern.
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bash tests/fakecuda/run.sh
# The FAKECUDA_* variables of README.md (threads, schedule, deferred streams, trace) pass through.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tests/fakecuda/build.sh"
lib=$root/target/fakecuda
# the fake's own checks first (a few seconds): a fake that misbehaves would make the Java results meaningless
FAKECUDA_KERNELS="$lib/libfakecuda_selftest_kernels.so" "$lib/fakecuda_selftest" 2>"$lib/selftest.log" || {
  echo "[fakecuda] the fake's self-test failed (driver messages in $lib/selftest.log)" >&2
  exit 1
}
cd "$root"
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec mvn -B test -pl library -Dtest="${FAKECUDA_TESTS:-Cuda*}" -Dcuda.required=true -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfakecuda.argLine="-Dsoundstorm4j.cublas.library=$lib/libcublas.so.13" "$@"

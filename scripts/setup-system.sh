#!/usr/bin/env bash
# Installs the Debian packages faultline drives: ZooKeeper 3.8 (+ a logging binding), uWSGI with the
# python3 plugin, nginx, iptables/iproute2 for the netns runtime, Chromium for report tests, and
# openssh-server, whose sshd the ssh runtime's tests start inside their own namespaces (the package's
# own service is not started: see policy-rc.d below).
# Idempotent: skips apt entirely when everything is already there.
set -euo pipefail
# faketime + gcc/libc6-dev: clock faults (libfaketime and the small wait shim built from harness/runtime/clock)
packages=(zookeeper libslf4j-java uwsgi uwsgi-plugin-python3 nginx iptables iproute2 chromium procps faketime gcc libc6-dev openssh-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # installing openssh-server would start the machine's own sshd on port 22; the tests need only the
  # binary. Debian's policy-rc.d hook (exit 101: "do not start services") stops that, for this install only.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
java -version 2>&1 | head -1
echo "zookeeper $(ls /usr/share/java/zookeeper-3*.jar | head -1), $(uwsgi --version) uwsgi, $(nginx -v 2>&1)"

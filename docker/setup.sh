#!/usr/bin/env bash
# Makes the container runtime usable on a fresh Debian bookworm machine (as root, no systemd, no image
# registry reachable): installs Debian's docker.io and debootstrap, starts dockerd when none answers,
# and builds the images faultline runs its nodes in — only those that are missing. The base image is
# bootstrapped from the Debian mirror apt already uses and imported, so nothing is ever pulled.
# Idempotent: a second run only checks and prints what it found.
#   FL_DOCKER_REBUILD=1  rebuild fl-zookeeper:1 and fl-web:1 even when present (after a Dockerfile change)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BASE=fl-debian:bookworm
SOURCES=/etc/apt/sources.list.d/debian.sources
ENGINE_DEADLINE_S=${FL_DOCKER_ENGINE_DEADLINE_S:-60}
now_ms() { date +%s%3N; }
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT
took() { echo "$(( ($(now_ms) - $1) ))ms"; }
say() { printf 'docker/setup: %s\n' "$*"; }

install_packages() {
  local missing=()
  for p in docker.io debootstrap iptables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local t; t=$(now_ms)
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  say "packages installed in $(took "$t")"
}

# dockerd without systemd: started in the background, logging to a file; we wait (bounded) for it.
start_engine() {
  if docker info >/dev/null 2>&1; then say "engine already answering"; return 0; fi
  local t; t=$(now_ms)
  say "starting dockerd (log /var/log/fl-dockerd.log)"
  nohup dockerd >/var/log/fl-dockerd.log 2>&1 </dev/null &
  local end=$(( $(date +%s) + ENGINE_DEADLINE_S ))
  until docker info >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then
      say "dockerd did not answer within ${ENGINE_DEADLINE_S}s; last lines of its log:"
      tail -n 20 /var/log/fl-dockerd.log >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  say "engine up in $(took "$t")"
}

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The mirror serving bookworm: the deb822 file's stanza, or a one-line `deb URI bookworm ...` entry.
debian_mirror() {
  if [ -f "$SOURCES" ]; then
    awk '/^URIs:/ { uri=$2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print uri; exit } }' "$SOURCES"
  else
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null
  fi
}

# The apt sources the images use: the host's deb822 file, or one written for the host's mirror.
image_sources() {
  if [ -f "$SOURCES" ]; then cat "$SOURCES"; return; fi
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$(debian_mirror)"
}

build_base() {
  if has_image "$BASE"; then say "$BASE present"; return 0; fi
  local mirror; mirror=$(debian_mirror)
  [ -n "$mirror" ] || { say "no bookworm mirror found in $SOURCES or /etc/apt/sources.list"; exit 1; }
  local dir; dir=$(mktemp -d /var/tmp/fl-debootstrap.XXXXXX)
  scratch+=("$dir")
  local t; t=$(now_ms)
  say "debootstrap minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >/var/log/fl-debootstrap.log 2>&1 \
    || { tail -n 20 /var/log/fl-debootstrap.log >&2; exit 1; }
  say "debootstrap took $(took "$t")"
  t=$(now_ms)
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import --change 'LABEL faultline=1' --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  say "docker import took $(took "$t")"
}

# docker/<name>/Dockerfile → fl-<name>:1, with apt sources as the host's (copied into the context).
build_image() {
  local name=$1 tag="fl-$1:1"
  if has_image "$tag" && [ -z "${FL_DOCKER_REBUILD:-}" ]; then say "$tag present"; return 0; fi
  local ctx; ctx=$(mktemp -d /var/tmp/fl-build.XXXXXX)
  scratch+=("$ctx")
  image_sources >"$ctx/debian.sources"
  local t; t=$(now_ms)
  say "building $tag"
  local log="/var/log/fl-docker-build-$name.log"
  DOCKER_BUILDKIT=0 docker build --pull=false --label faultline=1 -t "$tag" \
    -f "$here/$name/Dockerfile" "$ctx" >"$log" 2>&1 || { tail -n 30 "$log" >&2; say "building $tag failed (log $log)"; exit 1; }
  say "$tag built in $(took "$t")"
}

main() {
  [ "$(id -u)" -eq 0 ] || { say "must run as root (installs packages, starts dockerd)"; exit 1; }
  local t; t=$(now_ms)
  install_packages
  start_engine
  build_base
  build_image zookeeper
  build_image web
  [ -n "${FL_DOCKER_REBUILD:-}" ] && docker image prune -f --filter label=faultline=1 >/dev/null # the replaced ones
  say "ready in $(took "$t"): $(docker image ls --filter label=faultline=1 --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')"
}

main "$@"

#!/usr/bin/env bash
# Runs zk-register as an ordinary user (nobody): faultline must pick the local runtime by itself (no
# namespaces, no iptables, every link through its proxy) and the run must pass with a partition, a
# kill and a leader isolation. The repository is copied to a folder that user can read.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/fl-nonroot-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/repo"
tar -C . --exclude=./store --exclude=./.git -cf - . | tar -C "$work/repo" -xf -
chown -R nobody:nogroup "$work"
chmod 755 "$work"
runuser -u nobody -- env HOME="$work" npm_config_update_notifier=false \
  bash -c "cd '$work/repo' && npm run scenario -- zk-register --seed 5 --time-limit 20 --schedule test/fixtures/ci-local-schedule.json --out '$work/repo/store/zk-register/ci'"

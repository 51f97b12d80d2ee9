#!/usr/bin/env bash
# `npm start` in this folder answers /healthz with status ok, then stops cleanly on SIGTERM.
set -euo pipefail
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log=$(mktemp)
PORT=$port npm start --silent >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  # Node's own fetch, not curl: the machine is promised Node.js and npm only.
  if body=$(node -e "fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))" "http://127.0.0.1:$port/healthz" 2>/dev/null); then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "npm start exited before answering /healthz:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.5
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
# SIGTERM to npm must reach the service itself (package.json's start script execs tsx).
for _ in $(seq 1 20); do
  if ! node -e "require('net').connect(process.argv[1], '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))" "$port"; then stopped=yes; break; fi
  sleep 0.5
done
if [ "${stopped:-}" != yes ]; then echo "npm start still answers on port $port 10 s after SIGTERM" >&2; exit 1; fi
case "${body:-}" in
  *'"status":"ok"'*) echo "npm start answered /healthz: $body" ;;
  *) echo "npm start did not answer /healthz with status ok within 30 s (got: ${body:-nothing}):" >&2; cat "$log" >&2; exit 1 ;;
esac

#!/usr/bin/env bash
# mesh on Bun, from this clone: `bun run start` (Bun from the devDependency @oven/bun-linux-x64),
# then the README's workflow through the typed client (on Bun too) and curl, then SIGTERM to the
# pid mesh prints, which must stop it and free its port.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/@oven/bun-linux-x64/bin:$PATH"
bun --version

work=$(mktemp -d)
mesh_pid=
cleanup() {
  if [ -n "$mesh_pid" ] && kill -0 "$mesh_pid" 2>/dev/null; then kill -TERM "$mesh_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "bun smoke: $*" >&2
  sed 's/^/  mesh: /' "$work/mesh.log" >&2 || true
  exit 1
}

bun bin/mesh.js keygen --out "$work/sovereign.pem" > "$work/sovereign.txt"
bun bin/mesh.js keygen --out "$work/node.pem" > "$work/node.txt"
sovereign_key=$(awk '/^public key/ {print $3}' "$work/sovereign.txt")
node_key=$(awk '/^public key/ {print $3}' "$work/node.txt")

MESH_DB_PATH="$work/mesh.db" MESH_HOST=127.0.0.1 MESH_PORT=0 MESH_SOVEREIGN_KEYS="$sovereign_key" \
  bun run start > "$work/mesh.log" 2>&1 &
runner=$!

# Wait on the start line, not a fixed time: it names the port and the pid to signal.
for _ in $(seq 1 600); do
  if grep -q ' pid [0-9]*,' "$work/mesh.log"; then break; fi
  kill -0 "$runner" 2>/dev/null || fail "bun run start exited before mesh started"
  sleep 0.5
done
line=$(grep -m1 ' pid [0-9]*,' "$work/mesh.log") || fail "mesh printed no start line"
port=$(sed -E 's/.* on 127\.0\.0\.1:([0-9]+),.*/\1/' <<< "$line")
mesh_pid=$(sed -E 's/.*, pid ([0-9]+),.*/\1/' <<< "$line")
runtime=$(readlink "/proc/$mesh_pid/exe")
case "$runtime" in */bun) echo "mesh (pid $mesh_pid) runs on $runtime" ;; *) fail "mesh runs on $runtime, not Bun" ;; esac
export MESH_URL="http://127.0.0.1:$port"

bun scripts/smoke-workflow.ts "$work/sovereign.pem" "$work/node.pem"

curl -fsS "$MESH_URL/nodes?status=active" | grep -q "\"public_key\":\"$node_key\"" || fail "curl: GET /nodes?status=active misses the node"
echo "ok  curl: GET /nodes?status=active lists the node"
bun bin/mesh.js --key "$work/node.pem" sign heartbeat --node-id validator-smoke --ip 100.64.0.9 \
  | curl -fsS -X POST "$MESH_URL/heartbeat" -H 'content-type: application/json' --data-binary @- \
  | grep -q '"status":"active"' || fail "curl: POST /heartbeat was not accepted"
echo "ok  curl: a signed POST /heartbeat is accepted"

# A worker thread or a database call that failed on Bun shows up as an ERROR line, even when the
# request was answered (verification falls back to the main thread).
if grep -q ' ERROR ' "$work/mesh.log"; then fail "mesh logged errors on Bun"; fi
echo "ok  no ERROR in mesh's log"

kill -TERM "$mesh_pid"
wait "$runner" || fail "bun run start exited with $? after SIGTERM"
if curl -s -o /dev/null "$MESH_URL/health"; then fail "port $port still answers after SIGTERM"; fi
mesh_pid=
echo "ok  SIGTERM stopped mesh; port $port is free"
echo "bun smoke: passed"

#!/usr/bin/env bash
# Fresh-start check (issue 11, "Done when"): on a machine kept busy by one spinning process per
# core, start fresh `snf-occi serve` processes one after another, each with its embedded
# simulator, and check each one's first requests: its first POST /compute/ (the kind and
# occi.compute.cores=2: the image and flavor come from the template lists) must answer 201, and
# its first GET /-/ must list every template — one os_tpl per active image and one resource_tpl
# per flavor that allows creates, counted against that server's own simulator. The two first
# requests are sent at once, so they also race for the template lists. Prints a table and exits
# 1 if any run failed; everything it started is killed on exit (trap).
#
# Usage: scripts/fresh-start-check.sh [RUNS]     (default 20)
#        SPINNERS=N scripts/fresh-start-check.sh (busy loops; default one per core, 0 for none)
# Needs node, curl and jq. The times printed are for information; the check is on the answers.
set -u
cd "$(dirname "$0")/.."

RUNS=${1:-20}
SPINNERS=${SPINNERS:-$(nproc)}
TOKEN=snf-occi-demo-token
OS='scheme="http://schemas.openstack.org/template/os#"; class="mixin"'
RESOURCE='scheme="http://schemas.openstack.org/template/resource#"; class="mixin"'

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { date +%s%3N; }

for _ in $(seq "$SPINNERS"); do
  node -e 'for(;;){}' &
  pids+=($!)
done

printf 'busy loops: %s on %s cores; load average: %s\n\n' "$SPINNERS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-9s %-6s %-8s %-6s %-8s %-13s %-13s %s\n' \
  run 'start ms' POST 'POST ms' 'GET' 'GET ms' 'os_tpl' 'resource_tpl' result
failures=0
for run in $(seq "$RUNS"); do
  out="$work/serve-$run.out"
  : >"$out"
  t0=$(ms)
  node bin/snf-occi.js serve --port 0 --state-dir "$work/state-$run" --no-watch --log-level warn >"$out" 2>&1 &
  serve=$!
  pids+=("$serve")
  # Wait for the server to say where it listens (or to die), within a minute.
  url=''
  for _ in $(seq 600); do
    url=$(sed -n 's/^snf-occi: serving OCCI on \(http[^ ]*\).*/\1/p' "$out")
    [ -n "$url" ] && break
    kill -0 "$serve" 2>/dev/null || break
    sleep 0.1
  done
  started=$(($(ms) - t0))
  sim=$(sed -n 's/^snf-occi: embedded Cyclades simulator on \(http[^ ]*\).*/\1/p' "$out")
  if [ -z "$url" ] || [ -z "$sim" ]; then
    printf '%-4s %-9s server did not start: %s\n' "$run" "$started" "$(tail -1 "$out")"
    failures=$((failures + 1))
    kill "$serve" 2>/dev/null
    continue
  fi

  # The first two requests, at once.
  curl -s -o "$work/post-$run" -w '%{http_code} %{time_total}' -X POST \
    -H "X-Auth-Token: $TOKEN" -H 'Content-Type: text/plain' -H 'Accept: text/plain' \
    --data-binary $'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\nX-OCCI-Attribute: occi.compute.cores=2\n' \
    "$url/compute/" >"$work/post-$run.status" &
  post=$!
  curl -s -o "$work/get-$run" -w '%{http_code} %{time_total}' \
    -H "X-Auth-Token: $TOKEN" -H 'Accept: text/plain' "$url/-/" >"$work/get-$run.status" &
  get=$!
  wait "$post" "$get"
  read -r post_status post_s <"$work/post-$run.status"
  read -r get_status get_s <"$work/get-$run.status"

  # What the simulator offers.
  want_os=$(curl -s -H "X-Auth-Token: $TOKEN" "$sim/compute/v2.0/images/detail" |
    jq '[.images[] | select(.status == "ACTIVE")] | length')
  want_res=$(curl -s -H "X-Auth-Token: $TOKEN" "$sim/compute/v2.0/flavors/detail" |
    jq '[.flavors[] | select(."SNF:allow_create" != false)] | length')
  got_os=$(grep -c -F "$OS" "$work/get-$run")
  got_res=$(grep -c -F "$RESOURCE" "$work/get-$run")

  result=ok
  if [ "$post_status" != 201 ] || [ "$get_status" != 200 ] || [ "$got_os" != "$want_os" ] ||
    [ "$got_res" != "$want_res" ] || [ "$want_os" = 0 ] || [ "$want_res" = 0 ]; then
    result=FAIL
    failures=$((failures + 1))
  fi
  printf '%-4s %-9s %-6s %-8s %-6s %-8s %-13s %-13s %s\n' "$run" "$started" \
    "$post_status" "$(awk -v s="$post_s" 'BEGIN { printf "%d", s * 1000 }')" \
    "$get_status" "$(awk -v s="$get_s" 'BEGIN { printf "%d", s * 1000 }')" \
    "$got_os/$want_os" "$got_res/$want_res" "$result"
  if [ "$result" = FAIL ]; then
    [ "$post_status" != 201 ] && printf '     POST: %s\n' "$(head -c 300 "$work/post-$run" | tr '\n' ' ')"
    [ "$get_status" != 200 ] && printf '     GET: %s\n' "$(head -c 300 "$work/get-$run" | tr '\n' ' ')"
  fi

  kill "$serve"
  wait "$serve" 2>/dev/null
done

printf '\n%s of %s runs failed; load average: %s\n' "$failures" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failures" = 0 ]

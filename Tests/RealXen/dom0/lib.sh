# shellcheck shell=dash
# shellcheck disable=SC2034 # STATEJSON, ALIVE... are results read by scenarios.sh
# Helpers for dom0's scenario scripts (busybox ash). Sourced by main.sh.
#
# Conventions: every command under test runs through `run` with a time limit (a hung tool must not cost the
# other scenarios), which leaves RC, OUT (stdout), ERR (stderr) and MS (wall milliseconds) behind.
# Results go to the serial console as `@@RESULT {json}` lines; progress as `@@MARK ...` lines. Everything else
# a tool prints goes to files under /tmp, never to the console, so result lines are not interleaved.

XR=/usr/bin/xen-resume
XC=/usr/bin/xc-suspend-resume

now() { cut -d' ' -f1 /proc/uptime; }
now_s() { cut -d. -f1 /proc/uptime; }
now_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
mark() { echo "@@MARK $* t=$(now)"; }

# jstr TEXT [MAXCHARS]: TEXT as a JSON string literal (control characters dropped, newlines kept as \n).
jstr() {
  printf '%s' "$1" | head -c "${2:-800}" | tr -d '\000-\010\013-\037' |
    awk 'BEGIN { ORS = ""; printf "\"" }
         { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, " "); if (NR > 1) printf "\\n"; printf "%s", $0 }
         END { printf "\"" }'
}

# jget KEY JSON: the raw value of the last "KEY": scalar in JSON (string with quotes, number, bool, null);
# empty when absent. Good enough for the flat documents xen-resume and the C client print.
jget() {
  printf '%s' "$2" | tr -d '\n' |
    sed -n "s/.*\"$1\"[ ]*:[ ]*\(\"[^\"]*\"\|[-+0-9.eE]*\|true\|false\|null\).*/\1/p"
}
# jval KEY JSON: like jget, without the quotes of a string.
jval() { jget "$1" "$2" | sed 's/^"\(.*\)"$/\1/'; }
# jobj KEY JSON: the body of a flat nested object "KEY":{...}, for jget on it.
jobj() { printf '%s' "$2" | tr -d '\n' | sed -n "s/.*\"$1\"[ ]*:[ ]*{\([^}]*\)}.*/\1/p"; }

# result SCENARIO GUEST OK [MORE-JSON-MEMBERS]
result() {
  if [ -n "${4:-}" ]; then
    echo "@@RESULT {\"scenario\":\"$1\",\"guest\":\"$2\",\"ok\":$3,$4}"
  else
    echo "@@RESULT {\"scenario\":\"$1\",\"guest\":\"$2\",\"ok\":$3}"
  fi
}

# run SECONDS CMD...: runs CMD with a time limit; sets RC, OUT, ERR, MS, LASTCMD.
run() {
  local limit=$1 t0 left
  shift
  LASTCMD="$*"
  # Never past dom0's deadline: the diagnostics must still make it out before QEMU's timeout.
  left=$((${RX_DEADLINE:-100000} - $(now_s)))
  [ "$left" -lt "$limit" ] && limit=$left
  [ "$limit" -lt 5 ] && limit=5
  t0=$(now_ms)
  timeout -s KILL "$limit" "$@" >/tmp/rx.out 2>/tmp/rx.err
  RC=$?
  MS=$(($(now_ms) - t0))
  OUT=$(cat /tmp/rx.out)
  ERR=$(cat /tmp/rx.err)
  echo "[$(now)] rc=$RC ${MS}ms: $LASTCMD" >>/tmp/rx-commands.log
}

have_xr() { [ -x "$XR" ]; }
# xr ARGS...: xen-resume; a missing binary reads as rc 127.
xr() {
  if have_xr; then
    run "${XR_LIMIT:-120}" "$XR" "$@"
  else
    LASTCMD="xen-resume $*"
    RC=127
    OUT=""
    ERR="xen-resume binary missing"
    MS=0
  fi
}
xc() { run "${XC_LIMIT:-120}" "$XC" "$@"; }

# rec: the last command as JSON members (what check.py re-judges).
rec() {
  printf '"cmd":%s,"rc":%s,"stdout":%s,"stderr":%s' "$(jstr "$LASTCMD" 200)" "$RC" "$(jstr "$OUT" 1500)" \
    "$(jstr "$ERR" 300)"
}
# step NAME: the last command as a named JSON member {"cmd":...}, for scenarios with several commands.
step() { printf '"%s":{%s}' "$1" "$(rec)"; }

# missing SCENARIO GUEST: reports a xen-resume scenario that cannot run; returns 0 when it reported.
missing() {
  have_xr && return 1
  result "$1" "$2" false '"reason":"xen-resume binary missing"'
  return 0
}

# budget_ok: false once dom0's deadline passed (reported once, as a failed "time-budget" result); the
# scenarios still to come are then skipped, and check.py reports them missing.
budget_ok() {
  [ "$(now_s)" -lt "${RX_DEADLINE:-100000}" ] && return 0
  if [ -z "${BUDGET_REPORTED:-}" ]; then
    BUDGET_REPORTED=1
    result time-budget dom0 false "\"deadline\":${RX_DEADLINE:-null},\"reason\":\"dom0 deadline reached: remaining scenarios skipped (raise the timeout, or the machine is too slow)\""
  fi
  return 1
}
# sc FUNCTION ARGS...: runs a scenario function if there is time left.
sc() { if budget_ok; then "$@"; fi; }

# Guests ---------------------------------------------------------------------------------------------------
# Keys: pv pvh pvhvm hvm throw; domain names rx-KEY.
gtype() { case $1 in throw) echo pv ;; *) echo "$1" ;; esac; }
is_hvm() { case $1 in pvhvm | hvm) return 0 ;; *) return 1 ;; esac; }
# The path a Linux 6.1 guest of this kind gets (Linux does not advertise a suspend event channel).
epath() { case $1 in hvm) echo hypervisorShutdown ;; *) echo xenstoreControl ;; esac; }
confile() {
  if is_hvm "$1"; then echo "/var/log/xen/serial-rx-$1.log"; else echo "/var/log/xen/console/guest-rx-$1.log"; fi
}
domid() { xl domid "rx-$1" 2>/dev/null; }
counter() { grep -ao 'RX-COUNTER [0-9]*' "$(confile "$1")" 2>/dev/null | tail -n 1 | cut -d' ' -f2; }
# How long a live guest may take to print its next line: emulated HVM guests are slower.
alive_limit() { if is_hvm "$1"; then echo 40; else echo 15; fi; }

# alive GUEST [SECONDS]: waits until the guest's counter moves past its current value. Sets ALIVE ("a->b").
alive() {
  local g=$1 max c0 c1 end
  max=${2:-$(alive_limit "$1")}
  c0=$(counter "$g")
  c0=${c0:-0}
  end=$(($(now_s) + max))
  while :; do
    c1=$(counter "$g")
    c1=${c1:-0}
    if [ "$c1" -gt "$c0" ]; then
      ALIVE="$c0->$c1"
      return 0
    fi
    if [ "$(now_s)" -ge "$end" ]; then
      ALIVE="$c0->$c1 (no progress in ${max}s)"
      return 1
    fi
    sleep 0.2
  done
}
# alive_check GUEST [SECONDS]: like alive; sets ALIVE_OK (true/false) and AJ ("alive":true,"counter":"a->b").
# (Not meant for $(...): the variables must reach the caller.)
alive_check() {
  if alive "$@"; then ALIVE_OK=true; else ALIVE_OK=false; fi
  AJ=$(printf '"alive":%s,"counter":"%s"' "$ALIVE_OK" "$ALIVE")
}

# state DOMID: the C client's view (Xen's facts, independent of xen-resume): sets STATE, REASON.
state() {
  xc info "$1"
  STATE=$(jval state "$OUT")
  REASON=$(jval shutdownReason "$OUT")
  STATEJSON=$OUT
}

# recover GUEST DOMID HOW: if a failed scenario left the guest suspended, resume it with the C client so the
# following scenarios still mean something (HOW: fast after a cooperative suspend, uncooperative after a
# forced one). Prints a JSON member saying what it did.
recover() {
  state "$2"
  if [ "$STATE" = shutdown ] && [ "$REASON" = 2 ]; then
    xc resume "$2" "--$3"
    printf '"recovered":"%s rc=%s"' "$3" "$RC"
  else
    printf '"recovered":null'
  fi
}

# lst NAME VALUE: appends VALUE to the comma-separated list in variable NAME (for JSON arrays).
# (The value is expanded by eval itself, so quotes in it survive.)
lst() { eval "$1=\"\${$1:+\${$1},}\$2\""; }
# add NAME N: NAME += N
add() { eval "$1=\$((\${$1:-0} + $2))"; }

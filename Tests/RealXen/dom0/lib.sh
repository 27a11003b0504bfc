# shellcheck shell=dash
# shellcheck disable=SC2034 # STATEJSON, ALIVE... are results read by scenarios.sh
# Helpers for dom0's scenario scripts (busybox ash). Sourced by main.sh.
#
# Conventions: every command under test runs through `run` with a time limit (a hung tool must not cost the
# other scenarios), which leaves RC, OUT (stdout), ERR (stderr) and MS (wall milliseconds) behind.
# Results go to the serial console as `@@RESULT {json}` lines; progress as `@@MARK ...` lines. Everything else
# a tool prints goes to files under /tmp, never to the console, so result lines are not interleaved.
# RXG names the scenario group (one per guest, running concurrently): it keeps their temporary files apart.

XR=/usr/bin/xen-resume
XC=/usr/bin/xc-suspend-resume
XHC=/usr/bin/xen-host-conformance
XRL=/usr/bin/xen-resume-lifecycle

# Every fork costs dearly here: a PV dom0's page-table updates are hypercalls, under emulation. Loops use
# tick (a builtin read, no fork) and sleep at least half a second; $(...) stays out of them.
# tick: sets NOW (uptime, s.cc), NOWS (whole seconds) and NOWMS (milliseconds).
tick() {
  read -r NOW _ </proc/uptime
  NOWS=${NOW%.*}
  local cc=${NOW#*.}
  NOWMS=$((NOWS * 1000 + ${cc#0} * 10))
}
now() {
  tick
  echo "$NOW"
}
# say LINE: one line on the console, whole: the scenario groups run concurrently, so a lock (mkdir is
# atomic) keeps their lines from interleaving.
say() {
  printf '%s\n' "$1" >"/tmp/say-${RXG:-main}"
  say_file "/tmp/say-${RXG:-main}"
}
# say_file FILE: FILE's lines on the console, under the same lock.
say_file() {
  until mkdir /tmp/console.lock 2>/dev/null; do sleep 0.05; done
  cat "$1"
  rmdir /tmp/console.lock
}
mark() { say "@@MARK $* t=$(now)"; }

# jstr TEXT [MAXCHARS]: TEXT as a JSON string literal (control characters dropped, newlines kept as \n). sed does
# the escaping: busybox awk's gsub treats backslashes in the replacement differently from release to release
# (Debian 13's dropped them, which broke every nested document on Xen 4.20's dom0).
jstr() {
  printf '%s' "$1" | head -c "${2:-800}" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/ /g' |
    sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g' | {
    IFS= read -r line || true
    printf '"%s"' "$line"
  }
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
    say "@@RESULT {\"scenario\":\"$1\",\"guest\":\"$2\",\"ok\":$3,$4}"
  else
    say "@@RESULT {\"scenario\":\"$1\",\"guest\":\"$2\",\"ok\":$3}"
  fi
}

# run SECONDS CMD...: runs CMD with a time limit; sets RC, OUT, ERR, MS, LASTCMD.
run() {
  local limit=$1 t0 left
  shift
  LASTCMD="$*"
  # Never past dom0's deadline: the diagnostics must still make it out before QEMU's timeout.
  tick
  left=$((${RX_DEADLINE:-100000} - NOWS))
  [ "$left" -lt "$limit" ] && limit=$left
  [ "$limit" -lt 5 ] && limit=5
  t0=$NOWMS
  timeout -s KILL "$limit" "$@" >"/tmp/rx-${RXG:-main}.out" 2>"/tmp/rx-${RXG:-main}.err"
  RC=$?
  tick
  MS=$((NOWMS - t0))
  OUT=$(cat "/tmp/rx-${RXG:-main}.out")
  ERR=$(cat "/tmp/rx-${RXG:-main}.err")
  echo "[$NOW] ${RXG:-main} rc=$RC ${MS}ms: $LASTCMD" >>/tmp/rx-commands.log
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
  tick
  [ "$NOWS" -lt "${RX_DEADLINE:-100000}" ] && return 0
  # (mkdir: once for all the concurrent groups)
  if mkdir /tmp/budget-reported 2>/dev/null; then
    result time-budget dom0 false "\"deadline\":${RX_DEADLINE:-null},\"reason\":\"dom0 deadline reached: remaining scenarios skipped (raise the timeout, or the machine is too slow)\""
  fi
  return 1
}
# sc FUNCTION ARGS...: runs a scenario function if there is time left.
sc() { if budget_ok; then "$@"; fi; }

# Guests ---------------------------------------------------------------------------------------------------
# The lab's guests (labs.json, through /rx/lab.env's GUEST_LINES "name:type:kernel:role ..."): TYPE_name,
# KERNEL_name and ROLE_name, set once here (no fork per lookup); domain names rx-NAME.
for _line in ${GUEST_LINES:-}; do
  _name=${_line%%:*}
  _rest=${_line#*:}
  _type=${_rest%%:*}
  _rest=${_rest#*:}
  eval "TYPE_$_name=$_type KERNEL_$_name=${_rest%%:*} ROLE_$_name=${_rest#*:}"
done
# gt NAME: sets GT to the guest's type (pv pvh pvhvm hvm); gtype NAME prints it.
gt() { eval "GT=\${TYPE_$1:-$1}"; }
gtype() {
  gt "$1"
  echo "$GT"
}
# grole NAME: sets GROLE (main, kernel, throwaway).
grole() { eval "GROLE=\${ROLE_$1:-main}"; }
is_hvm() {
  gt "$1"
  case $GT in pvhvm | hvm) return 0 ;; *) return 1 ;; esac
}
is_pure_hvm() {
  gt "$1"
  [ "$GT" = hvm ]
}
# The path a Linux guest of this kind gets (upstream Linux does not advertise a suspend event channel).
epath() { if is_pure_hvm "$1"; then echo hypervisorShutdown; else echo xenstoreControl; fi; }
confile() {
  if is_hvm "$1"; then echo "/var/log/xen/serial-rx-$1.log"; else echo "/var/log/xen/console/guest-rx-$1.log"; fi
}
domid() { xl domid "rx-$1" 2>/dev/null; }
# counter GUEST: sets CNT to the guest's last console counter (0 before the first); one process, no subshell.
counter() {
  local f=/var/log/xen/console/guest-rx-$1.log
  is_hvm "$1" && f=/var/log/xen/serial-rx-$1.log
  CNT=0
  [ -f "$f" ] || return 0
  awk '/RX-COUNTER [0-9]/ { for (i = 1; i < NF; i++) if ($i == "RX-COUNTER") n = $(i + 1) } END { print n + 0 }' \
    "$f" >"/tmp/cnt-${RXG:-main}" 2>/dev/null
  read -r CNT <"/tmp/cnt-${RXG:-main}"
}
# How long a live guest may take to print its next line: emulated HVM guests are slower.
alive_limit() { if is_hvm "$1"; then echo 40; else echo 15; fi; }

# alive GUEST [SECONDS]: waits until the guest's counter moves past its current value. Sets ALIVE ("a->b").
alive() {
  local g=$1 max c0 end
  max=${2:-$(alive_limit "$1")}
  counter "$g"
  c0=$CNT
  tick
  end=$((NOWS + max))
  while :; do
    sleep 0.5
    counter "$g"
    if [ "$CNT" -gt "$c0" ]; then
      ALIVE="$c0->$CNT"
      return 0
    fi
    tick
    if [ "$NOWS" -ge "$end" ]; then
      ALIVE="$c0->$CNT (no progress in ${max}s)"
      return 1
    fi
  done
}
# alive_check GUEST [SECONDS]: like alive; sets ALIVE_OK (true/false) and AJ ("alive":true,"counter":"a->b").
# (Not meant for $(...): the variables must reach the caller.)
alive_check() {
  if alive "$@"; then ALIVE_OK=true; else ALIVE_OK=false; fi
  AJ="\"alive\":$ALIVE_OK,\"counter\":\"$ALIVE\""
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

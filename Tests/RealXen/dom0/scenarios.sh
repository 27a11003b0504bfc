# shellcheck shell=dash
# shellcheck disable=SC2034 # XR_LIMIT and STATEJSON are read by lib.sh's functions
#
# Cycle counts come from counts GUEST (main.sh): N_BLOCKS blocks of N_BLOCK checkpoint cycles per tool.
# The scenarios, one function each: scenario GUEST DOMID. Each prints one @@RESULT line holding the facts
# (exit codes, the tools' JSON output, liveness counters, Xen's view of the domain) and dom0's own verdict;
# check.py re-judges the facts against its expectations. Sourced by main.sh after lib.sh.
#
# Counters kept per guest for the summaries: CYC_g (suspend/resume cycles by any tool, for the device-model
# evidence), XSOK_g (successful xen-resume suspends on the xenstore path), CREL_g/CPOLL_g (C client suspends
# noticed through @releaseDomain / only by its poll: non-zero CPOLL means XS_RESUME was missing before).

# The C client's options for a guest: pure HVM only suspends through xc_domain_shutdown.
cpath() { if is_pure_hvm "$1"; then echo shutdown; else echo xenstore; fi; }

# Scenario 4's baseline without xen-resume: five C cycles, guest alive.
s_c_baseline() {
  local g=$1 d=$2 ok=false
  xc cycle "$d" --count 5 --interval-ms 25 --path "$(cpath "$g")"
  local r="" a=""
  r=$(rec)
  add "CYC_$g" "$(jval succeeded "$OUT" | grep . || echo 0)"
  add "CREL_$g" "$(jget releaseDomain "$(jobj seenBy "$OUT")" | grep . || echo 0)"
  add "CPOLL_$g" "$(jget poll "$(jobj seenBy "$OUT")" | grep . || echo 0)"
  alive_check "$g"
  a=$AJ
  [ "$RC" = 0 ] && [ "$ALIVE_OK" = true ] && ok=true
  result c-baseline "$g" "$ok" "$r,$a,$(recover "$g" "$d" fast)"
}

# 1: status reports the guest type and the path it would use.
s_status() {
  local g=$1 d=$2 ok=false
  missing status "$g" && return
  xr status "$d" --json
  [ "$RC" = 0 ] && [ "$(jval guestType "$OUT")" = "$(gtype "$g")" ] && [ "$(jval suspendPath "$OUT")" = "$(epath "$g")" ] &&
    [ "$(jval state "$OUT")" = running ] && ok=true
  result status "$g" "$ok" "\"expectedGuestType\":\"$(gtype "$g")\",\"expectedPath\":\"$(epath "$g")\",$(rec)"
}

# 2 (and 9): five suspend + fast resume cycles, the guest alive after each.
s_fast_cycles() {
  local g=$1 d=$2 ok=true n=0 rcs="" paths="" sus="" res="" alv="" fail="" v=""
  missing fast-cycles "$g" && return
  while [ "$n" -lt 5 ]; do
    n=$((n + 1))
    xr suspend "$d" --json
    lst rcs "$RC"
    if [ "$RC" != 0 ]; then
      ok=false
      fail=$(step "failed")
      break
    fi
    v=$(jget path "$OUT")
    lst paths "${v:-null}"
    [ "$(jval path "$OUT")" = "$(epath "$g")" ] || ok=false
    v=$(jget durationMicroseconds "$OUT")
    lst sus "${v:-null}"
    is_pure_hvm "$g" || add "XSOK_$g" 1
    xr resume "$d" --fast --json
    lst rcs "$RC"
    if [ "$RC" != 0 ]; then
      ok=false
      fail=$(step "failed")
      break
    fi
    v=$(jget durationMicroseconds "$OUT")
    lst res "${v:-null}"
    add "CYC_$g" 1
    if alive "$g"; then
      lst alv true
    else
      lst alv false
      ok=false
      break
    fi
  done
  result fast-cycles "$g" "$ok" "\"cycles\":$n,\"rcs\":[$rcs],\"paths\":[$paths],\"suspendUs\":[$sus],\"resumeUs\":[$res],\"alive\":[$alv],\"counter\":\"$ALIVE\"${fail:+,$fail},$(recover "$g" "$d" fast)"
}

# 3 and 4: xen-resume's checkpoint cycles interleaved with the C client's on the same guest, in alternating
# blocks of N_BLOCK (N_BLOCKS per tool: 5 x 10 = the 50 checkpoint cycles of scenario 3). Reports two results:
# "checkpoint" (every xen-resume block, all cycles succeeded, guest alive; check.py merges the blocks'
# pause distributions) and "compare" (both tools' block medians, for the pause ratio).
s_compare() {
  local g=$1 d=$2 ok=true b=0 sp="" cp="" cs="" ssum=0 csum=0 spause="" cpause="" calls="" cpoll="" fail="" v="" o=""
  local srcs="" sblocks="" sfirst="" sfail=""
  XR_LIMIT=600
  XC_LIMIT=600
  while [ "$b" -lt "$N_BLOCKS" ]; do
    b=$((b + 1))
    if have_xr; then
      xr checkpoint "$d" --count "$N_BLOCK" --interval 25ms --json
      lst srcs "$RC"
      lst sblocks "$(jstr "$OUT" 700)"
      [ -n "$sfirst" ] || sfirst=$(rec)
      o=$(jobj pauseMicroseconds "$OUT")
      v=$(jget p50 "$o")
      lst sp "${v:-null}"
      lst spause "{${o}}"
      v=$(jget hostCallsPerCycle "$OUT")
      lst calls "${v:-null}"
      v=$(jval succeeded "$OUT" | grep . || echo 0)
      add ssum "$v"
      add "CYC_$g" "$v"
      is_pure_hvm "$g" || add "XSOK_$g" "$v"
      if [ "$RC" != 0 ]; then
        ok=false
        fail=$(step "failedSwiftBlock")
        sfail=$(step "failed")
        break
      fi
    fi
    xc cycle "$d" --count "$N_BLOCK" --interval-ms 25 --path "$(cpath "$g")" --samples
    o=$(jobj pauseMicroseconds "$OUT")
    v=$(jget p50 "$o")
    lst cp "${v:-null}"
    lst cpause "{${o}}"
    v=$(printf '%s' "$OUT" | sed -n 's/.*"samples":\[\([^]]*\)\].*/\1/p')
    [ -n "$v" ] && lst cs "$v"
    v=$(jval succeeded "$OUT" | grep . || echo 0)
    add csum "$v"
    add "CYC_$g" "$v"
    add "CREL_$g" "$(jget releaseDomain "$(jobj seenBy "$OUT")" | grep . || echo 0)"
    v=$(jget poll "$(jobj seenBy "$OUT")")
    add "CPOLL_$g" "${v:-0}"
    lst cpoll "${v:-null}"
    if [ "$RC" != 0 ]; then
      ok=false
      fail=$(step "failedCBlock")
      break
    fi
  done
  XR_LIMIT=120
  XC_LIMIT=120
  local a=""
  alive_check "$g"
  a=$AJ
  [ "$ALIVE_OK" = true ] || ok=false
  local why=""
  if ! have_xr; then
    ok=false
    why='"reason":"xen-resume binary missing (C blocks only)",'
  fi
  local want=$((N_BLOCKS * N_BLOCK)) cok=false
  if have_xr; then
    [ "$ssum" = "$want" ] && [ "$ALIVE_OK" = true ] && [ -z "$sfail" ] && cok=true
    result checkpoint "$g" "$cok" "\"requested\":$want,\"blockSize\":$N_BLOCK,\"succeeded\":$ssum,\"rcs\":[$srcs],\"blocks\":[$sblocks],$sfirst${sfail:+,$sfail},$a"
  else
    missing checkpoint "$g"
  fi
  result compare "$g" "$ok" "$why\"blocks\":$b,\"blockSize\":$N_BLOCK,\"swiftSucceeded\":$ssum,\"cSucceeded\":$csum,\"swiftP50\":[$sp],\"cP50\":[$cp],\"swiftPause\":[$spause],\"cPause\":[$cpause],\"hostCallsPerCycle\":[$calls],\"cSeenByPollPerBlock\":[$cpoll],\"cSamples\":[$cs],$a${fail:+,$fail},$(recover "$g" "$d" fast)"
}

# Registers: suspend, hold the domain with `xl pause` so that it stays stopped after the resume, read vcpu0's
# registers before and after the resume. PV fast resume must set rax to 1; pure HVM's must leave them alone.
s_registers() {
  local g=$1 d=$2 ok=false s1="" s2="" r1="" r2="" a=""
  missing registers "$g" && return
  xr suspend "$d" --json
  s1=$(step suspend)
  if [ "$RC" = 0 ]; then
    xl pause "$d"
    xc regs "$d"
    r1=$OUT
    xr resume "$d" --fast --json
    s2=$(step resume)
    [ "$RC" = 0 ] && ok=true
    xc regs "$d"
    r2=$OUT
    xl unpause "$d"
  fi
  alive_check "$g"
  a=$AJ
  [ "$ALIVE_OK" = true ] || ok=false
  result registers "$g" "$ok" "$s1${s2:+,$s2},\"before\":${r1:-null},\"after\":${r2:-null},$a,$(recover "$g" "$d" fast)"
}

# 5: a slow resume of a PV-aware guest is refused without --confirm-slow, and nothing is touched.
s_slow_refused() {
  local g=$1 d=$2 ok=false s1="" s2="" s3="" r1="" r2="" st="" a=""
  missing slow-refused "$g" && return
  xr suspend "$d" --json
  s1=$(step suspend)
  if [ "$RC" = 0 ]; then
    xc regs "$d"
    r1=$OUT
    xr resume "$d" --slow --json
    s2=$(step slow)
    local slow_rc=$RC
    state "$d"
    st=$STATEJSON
    local still=false
    [ "$STATE" = shutdown ] && [ "$REASON" = 2 ] && still=true
    xc regs "$d"
    r2=$OUT
    xr resume "$d" --fast --json
    s3=$(step fast)
    [ "$slow_rc" = 1 ] && [ "$still" = true ] && [ "$r1" = "$r2" ] && [ "$RC" = 0 ] && ok=true
  fi
  alive_check "$g"
  a=$AJ
  [ "$ALIVE_OK" = true ] || ok=false
  result slow-refused "$g" "$ok" "$s1${s2:+,$s2}${s3:+,$s3},\"stateAfterRefusal\":${st:-null},\"regsBefore\":${r1:-null},\"regsAfter\":${r2:-null},$a,$(recover "$g" "$d" fast)"
}

# 6a: the hypervisor-shutdown path is refused for PV-aware guests before anything is touched.
s_shutdown_refused() {
  local g=$1 d=$2 ok=false s1="" st="" a=""
  missing shutdown-refused "$g" && return
  xr suspend "$d" --path shutdown --json
  s1=$(rec)
  local rc=$RC
  state "$d"
  st=$STATEJSON
  alive_check "$g"
  a=$AJ
  [ "$rc" = 1 ] && [ "$STATE" = running ] && [ "$ALIVE_OK" = true ] && ok=true
  # Had it been wrongly suspended through Xen, the guest never made its hypercall: resumedomain only.
  result shutdown-refused "$g" "$ok" "$s1,\"stateAfter\":$st,$a,$(recover "$g" "$d" uncooperative)"
}

# 6b: a domain Xen reports suspended without the guest's hypercall (forced by the C client) is resumed with
# resumedomain only (--uncooperative): registers untouched (checked as in s_registers), guest alive, and a
# cooperative cycle afterwards still works (XS_RESUME was sent). TOOL is xen-resume or c.
s_uncooperative() {
  local g=$1 d=$2 tool=$3 ok=false scen="" s1="" s2="" s3="" s4="" r1="" r2="" a="" a2="" st=""
  if [ "$tool" = c ]; then scen=c-uncooperative; else scen=uncooperative; fi
  if [ "$tool" != c ] && missing "$scen" "$g"; then return; fi
  xc suspend "$d" --path shutdown --timeout-ms 10000
  s1=$(step forcedSuspend)
  state "$d"
  st=$STATEJSON
  if [ "$STATE" = shutdown ] && [ "$REASON" = 2 ]; then
    xl pause "$d"
    xc regs "$d"
    r1=$OUT
    if [ "$tool" = c ]; then xc resume "$d" --uncooperative; else xr resume "$d" --uncooperative --json; fi
    s2=$(step resume)
    local rrc=$RC
    xc regs "$d"
    r2=$OUT
    xl unpause "$d"
    alive_check "$g"
    a=$AJ
    if [ "$ALIVE_OK" = true ]; then
      # A cooperative cycle afterwards: needs XS_RESUME to have been sent by the uncooperative resume.
      if [ "$tool" = c ]; then
        xc cycle "$d" --count 1 --timeout-ms 20000
        s3=$(step afterCycle)
        [ "$(jget poll "$(jobj seenBy "$OUT")")" = 0 ] || RC=99
      else
        xr suspend "$d" --timeout 20s --json
        s3=$(step afterSuspend)
        if [ "$RC" = 0 ]; then
          xr resume "$d" --fast --json
          s4=$(step afterResume)
        fi
      fi
      local arc=$RC
      alive_check "$g"
      a2=$AJ
      [ "$rrc" = 0 ] && [ "$r1" = "$r2" ] && [ "$arc" = 0 ] && [ "$ALIVE_OK" = true ] && ok=true
    fi
  else
    alive_check "$g"
    a=$AJ
  fi
  result "$scen" "$g" "$ok" "$s1,\"stateForced\":$st${s2:+,$s2},\"regsBefore\":${r1:-null},\"regsAfter\":${r2:-null},$a${s3:+,$s3}${s4:+,$s4}${a2:+,\"after\":{$a2}},$(recover "$g" "$d" uncooperative)"
}

# 5b: the slow-resume outcome, once per guest type and kernel (the survival matrix): a confirmed slow resume in
# the same domain, then what the guest does within SLOW_WATCH seconds, from its console and Xen's view: "alive"
# (its counter moves on; "warned" when it printed the refused vcpu_info registration and carried on), "panic" (a
# "Kernel panic" line, then shut down: its message and Xen's shutdown reason), "shutdown" (shut down without a
# panic line), or "hung" (Xen says running, no console progress: with the first WARNING/BUG line it printed). The
# guest is not used afterwards. Linux 6.1 on Xen
# 4.17 panics with "register_vcpu_info failed: cpu=0 err=-22" (PV and PVH end with reason crash, PVHVM reboot).
SLOW_WATCH=60
s_slow_outcome() {
  local g=$1 d=$2 scen=slow-outcome s1="" s2="" panic="" warn="" outcome=hung end=0 c0=0 ok=false f="" n0=0 k=""
  local notable="" trouble=""
  f=$(confile "$g")
  n0=$(wc -l <"$f" 2>/dev/null || echo 0)
  if have_xr; then
    xr suspend "$d" --json
    s1=$(step suspend)
    counter "$g"
    c0=$CNT
    [ "$RC" = 0 ] && xr resume "$d" --slow --confirm-slow --json
    s2=$(step resume)
  else
    # Without xen-resume the C client makes the same measurement (reported under its own name).
    scen=c-slow-outcome
    xc suspend "$d"
    s1=$(step suspend)
    counter "$g"
    c0=$CNT
    [ "$RC" = 0 ] && xc resume "$d" --slow
    s2=$(step resume)
  fi
  local rc=$RC
  tick
  end=$((NOWS + SLOW_WATCH))
  while [ "$rc" = 0 ] && [ "$NOWS" -lt "$end" ]; do
    sleep 1
    state "$d"
    if [ "$STATE" = shutdown ] && [ "$REASON" != 2 ]; then
      panic=$(grep -a -m 1 'Kernel panic - not syncing' "$f" | tr -d '\r' | sed 's/^.*Kernel panic - not syncing: *//')
      if [ -n "$panic" ]; then outcome=panic; else outcome=shutdown; fi
      break
    fi
    counter "$g"
    if [ "$STATE" = running ] && [ "$CNT" -gt "$c0" ]; then
      # Alive: give it a few more lines, so a late panic is not taken for survival.
      sleep 5
      state "$d"
      counter "$g"
      if [ "$STATE" = running ]; then outcome=alive; break; fi
    fi
    tick
  done
  # What the kernel printed after the resume: the refused registration, and the first sign of trouble (a WARNING,
  # BUG or oops line) that a hung guest leaves.
  tail -n +$((n0 + 1)) "$f" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] *//' >"/tmp/slow-$g.log"
  warn=$(grep -a 'register_vcpu_info failed' "/tmp/slow-$g.log" | grep -v 'Kernel panic' | head -n 1)
  trouble=$(grep -a -m 1 -E 'WARNING:|BUG:|Oops|invalid opcode|general protection' "/tmp/slow-$g.log")
  notable=$(grep -a -E 'register_vcpu_info|WARNING:|BUG:|Oops|Kernel panic|RIP:|invalid opcode|general protection' \
    "/tmp/slow-$g.log" | head -n 12)
  [ "$outcome" = alive ] && [ -n "$warn" ] && outcome=warned
  [ "$rc" = 0 ] && ok=true
  gt "$g"
  eval "k=\${KERNEL_$g:-}"
  result "$scen" "$g" "$ok" "$s1${s2:+,$s2},\"type\":\"$GT\",\"kernel\":\"$k\",\"outcome\":\"$outcome\",\"panic\":$(jstr "$panic" 200),\"warning\":$(jstr "$warn" 200),\"trouble\":$(jstr "$trouble" 300),\"notable\":$(jstr "$notable" 1200),\"counter\":\"$c0->$CNT\",\"finalState\":${STATEJSON:-null},\"console\":$(jstr "$(tail -c 700 "$f" | tr -d '\r')" 700)"
}

# 5c: pure HVM survives a slow resume (no PV state to re-register).
s_slow_hvm() {
  local g=hvm d=$1 scen="" s1="" s2="" ok=false a=""
  if have_xr; then
    scen=slow-hvm
    xr suspend "$d" --json
    s1=$(step suspend)
    xr resume "$d" --slow --json
    s2=$(step resume)
  else
    scen=c-slow-hvm
    xc suspend "$d" --path shutdown
    s1=$(step suspend)
    xc resume "$d" --slow
    s2=$(step resume)
  fi
  local rc=$RC
  add CYC_hvm 1
  alive_check "$g"
  a=$AJ
  [ "$rc" = 0 ] && [ "$ALIVE_OK" = true ] && ok=true
  result "$scen" "$g" "$ok" "$s1,$s2,$a,$(recover "$g" "$d" fast)"
}

# 7: the device model is left running through cooperative suspends: sample QEMU's run state and pid before
# the guest's scenarios (dm_begin) and after them (dm_end).
dm_pid() { xenstore-read "/local/domain/$1/image/device-model-pid" 2>/dev/null; }
dm_begin() {
  local g=$1 d=$2
  xc qmp "$d" query-status
  eval "DMQ_$g=\$OUT"
  eval "DMPID_$g=\$(dm_pid \"\$d\")"
  eval "DMCYC_$g=\${CYC_$g:-0}"
}
dm_end() {
  local g=$1 d=$2 ok=false q0="" p0="" c0=0 p1="" cyc=0 a="" q0_running=false
  eval "q0=\${DMQ_$g:-}; p0=\${DMPID_$g:-}; c0=\${DMCYC_$g:-0}; cyc=\${CYC_$g:-0}"
  xc qmp "$d" query-status
  p1=$(dm_pid "$d")
  local alive_dm=false
  [ -n "$p1" ] && [ -d "/proc/$p1" ] && alive_dm=true
  alive_check "$g"
  a=$AJ
  case $q0 in *'"status": "running"'* | *'"status":"running"'*) q0_running=true ;; esac
  if [ "$q0_running" = true ] && [ "$RC" = 0 ] && [ "$p0" = "$p1" ] && [ "$alive_dm" = true ] &&
    [ $((cyc - c0)) -gt 0 ] && [ "$ALIVE_OK" = true ]; then
    case $OUT in *'"running"'*) ok=true ;; esac
  fi
  result device-model "$g" "$ok" "\"cyclesBetween\":$((cyc - c0)),\"qmpBefore\":${q0:-null},\"qmpAfter\":${OUT:-null},\"dmPidBefore\":\"$p0\",\"dmPidAfter\":\"$p1\",\"dmProcessAlive\":$alive_dm,$a"
}

# 9: summary of the xenstore-path cycles: every xen-resume suspend worked again and again (C xenstored only
# re-fires @releaseDomain after XS_RESUME), and the C client, run right after xen-resume's blocks, was
# always woken by @releaseDomain (never only by its poll).
s_xs_resume() {
  local g=$1 ok=false xs=0 rel=0 poll=0
  eval "xs=\${XSOK_$g:-0}; rel=\${CREL_$g:-0}; poll=\${CPOLL_$g:-0}"
  if have_xr; then
    # fast-cycles and the checkpoint blocks, all on the xenstore path
    local want=$((5 + N_BLOCKS * N_BLOCK))
    [ "$xs" -ge "$want" ] && [ "$poll" = 0 ] && ok=true
    result xs-resume "$g" "$ok" "\"expectedSwiftXenstoreSuspends\":$want,\"swiftXenstoreSuspends\":$xs,\"cSeenByReleaseDomain\":$rel,\"cSeenByPoll\":$poll"
  else
    result xs-resume "$g" false "\"reason\":\"xen-resume binary missing\",\"cSeenByReleaseDomain\":$rel,\"cSeenByPoll\":$poll"
  fi
}

# 8: error paths.
s_err_unknown() {
  local s1="" s2="" ok=false rc1=""
  missing error-unknown-domain none && return
  xr suspend 4242 --json
  rc1=$RC
  s1=$(step suspend)
  xr resume 4242 --fast --json
  s2=$(step resume)
  [ "$rc1" = 66 ] && [ "$RC" = 66 ] && ok=true
  result error-unknown-domain none "$ok" "$s1,$s2"
}
s_err_dom0() {
  local s1="" s2="" ok=false rc1=""
  missing error-dom0 dom0 && return
  xr suspend 0 --json
  rc1=$RC
  s1=$(step suspend)
  xr resume 0 --fast --json
  s2=$(step resume)
  [ "$rc1" = 1 ] && [ "$RC" = 1 ] && ok=true
  result error-dom0 dom0 "$ok" "$s1,$s2"
}
s_err_resume_running() {
  local g=$1 d=$2 ok=false s1="" a="" rc=""
  missing error-resume-running "$g" && return
  xc regs "$d"
  xr resume "$d" --fast --json
  rc=$RC
  s1=$(rec)
  state "$d"
  alive_check "$g"
  a=$AJ
  [ "$rc" = 1 ] && [ "$STATE" = running ] && [ "$ALIVE_OK" = true ] && ok=true
  result error-resume-running "$g" "$ok" "$s1,\"stateAfter\":$STATEJSON,$a"
}
s_err_timeout() {
  local g=$1 d=$2 ok=false s1="" node="" nrc="" a="" rc=""
  missing error-suspend-timeout "$g" && return
  xr suspend "$d" --timeout 1ms --json
  rc=$RC
  s1=$(rec)
  node=$(xenstore-read "/local/domain/$d/control/shutdown" 2>&1)
  nrc=$?
  # Give a guest that wrongly saw the request time to act on it before judging.
  sleep 2
  state "$d"
  alive_check "$g"
  a=$AJ
  [ "$rc" = 75 ] && [ "$nrc" = 0 ] && [ -z "$node" ] && [ "$STATE" = running ] && [ "$ALIVE_OK" = true ] && ok=true
  result error-suspend-timeout "$g" "$ok" "$s1,\"controlShutdown\":$(jstr "$node" 100),\"controlShutdownReadRc\":$nrc,\"stateAfter\":$STATEJSON,$a,$(recover "$g" "$d" fast)"
}

# 10: the XenHost conformance suite (xen-host-conformance, the root package's program over the real
# backend), once, on every booted guest at once. It suspends and fast-resumes the guests it is given, so
# main.sh runs it only after every scenario group ended: nothing else touches the guests meanwhile. Its
# stdout is one JSON object per line (one per check, then {"summary":...}); dom0 has no JSON tool, so each
# line goes to the console as it is, prefixed with "@@RESULT " (check.py knows the shape). Then one
# conformance-run result (the command, exit code, stderr) and one conformance-alive result per guest (its
# console counter still moving, Xen's view of the domain).
# CONF_MISSING_DOMAIN: an id no domain has (Xen hands out ids from 1 upwards, a few per run here; ids from
# 0x7FF0 are reserved): checked unused with xl first.
# CONF_STEP_SECONDS: the suite's --timeout-seconds, how long one of its steps (a suspend, an awaited watch
# event, a resume) may take: a PVHVM suspend takes seconds under this emulation, more on a loaded machine.
# The whole run is bounded by dom0's deadline.
CONF_MISSING_DOMAIN=31999
CONF_STEP_SECONDS=60
s_conformance() {
  local RXG=conf g d gargs="" glist="" ids="" doms="" free=true limit j=0 other=""
  if [ ! -x "$XHC" ]; then
    result conformance-run dom0 false '"reason":"xen-host-conformance binary missing"'
    return
  fi
  for g in pv pvh pvhvm hvm; do
    [ -f "/tmp/first-$g" ] || continue # never booted: check.py reports its checks missing
    d=$(domid "$g")
    [ -n "$d" ] || continue
    gargs="$gargs --guest $d:$g"
    lst glist "\"$g\""
    lst ids "$g=$d"
    lst doms "\"$g\":$d"
    eval "CONFD_$g=$d"
  done
  xl domname "$CONF_MISSING_DOMAIN" >/dev/null 2>&1 && free=false
  if [ -z "$gargs" ] || [ "$free" = false ]; then
    result conformance-run dom0 false "\"guests\":[$glist],\"missingDomain\":$CONF_MISSING_DOMAIN,\"missingDomainUnused\":$free,\"reason\":\"no booted guest, or domain $CONF_MISSING_DOMAIN exists\""
    return
  fi
  # Up to dom0's deadline (run caps it there).
  tick
  limit=$((RX_DEADLINE - NOWS))
  [ "$limit" -gt 900 ] && limit=900
  mark "conformance suite ($ids, missing domain $CONF_MISSING_DOMAIN, at most ${limit}s)"
  # shellcheck disable=SC2086 # $gargs: one word per argument
  run "$limit" "$XHC" $gargs --missing-domain "$CONF_MISSING_DOMAIN" --timeout-seconds "$CONF_STEP_SECONDS"
  # (Output files of run: /tmp/rx-conf.out, /tmp/rx-conf.err.)
  sed -n 's/^{/@@RESULT {/p' /tmp/rx-conf.out >/tmp/conf-results
  j=$(grep -c '^{' /tmp/rx-conf.out)
  other=$(grep -v '^{' /tmp/rx-conf.out | head -n 20)
  say_file /tmp/conf-results
  result conformance-run dom0 "$([ "$RC" = 0 ] && echo true || echo false)" "\"guests\":[$glist],\"domains\":{$doms},\"missingDomain\":$CONF_MISSING_DOMAIN,\"cmd\":$(jstr "$LASTCMD" 300),\"rc\":$RC,\"ms\":$MS,\"jsonLines\":$j,\"otherStdout\":$(jstr "$other" 600),\"stderr\":$(jstr "$(tail -n 20 /tmp/rx-conf.err)" 1500)"
  for g in pv pvh pvhvm hvm; do
    eval "d=\${CONFD_$g:-}"
    [ -n "$d" ] || continue
    alive_check "$g"
    state "$d"
    result conformance-alive "$g" "$([ "$ALIVE_OK" = true ] && [ "$STATE" = running ] && echo true || echo false)" \
      "\"domid\":$d,$AJ,\"stateAfter\":${STATEJSON:-null}"
  done
}

# 11: the lifecycle scenarios (xen-resume-lifecycle: one SuspendController for the whole run, a second libxen
# connection and xl as "another toolstack"), once, on every booted guest, after the groups and before the
# conformance suite (nothing else touches the guests then). Its stdout is one JSON object per step, then
# {"lifecycleSummary":...}, relayed like the suite's. Then lifecycle-run (command, exit code, stderr) and
# lifecycle-alive per guest (console counter moving, Xen reporting it running: the PV guest is a restored
# domain by then). The guest's console log goes with its id, for the program's own liveness checks.
# LIFE_RESERVE: seconds left for the conformance suite after it.
LIFE_RESERVE=120
s_lifecycle() {
  local RXG=life g d gargs="" glist="" doms="" limit j=0 other="" ids=""
  if [ ! -x "$XRL" ]; then
    result lifecycle-run dom0 false '"reason":"xen-resume-lifecycle binary missing"'
    return
  fi
  for g in pv pvh pvhvm hvm; do
    [ -f "/tmp/first-$g" ] || continue # never booted: check.py reports its rows missing
    d=$(domid "$g")
    [ -n "$d" ] || continue
    gargs="$gargs --guest $d:$g:$(confile "$g")"
    lst glist "\"$g\""
    lst doms "\"$g\":$d"
    lst ids "$g=$d"
    eval "LIFED_$g=$d"
  done
  if [ -z "$gargs" ]; then
    result lifecycle-run dom0 false '"reason":"no booted guest"'
    return
  fi
  tick
  limit=$((RX_DEADLINE - NOWS - LIFE_RESERVE))
  [ "$limit" -gt 900 ] && limit=900
  mark "lifecycle scenarios ($ids, at most ${limit}s; /tmp: $(df -m /tmp | awk 'NR == 2 { print $4 }') MiB free)"
  # shellcheck disable=SC2086 # $gargs: one word per argument
  # domid-reuse is left out: `xl restore` of the image `xl save -D` wrote fails here ("cannot make domain: -3"),
  # cause not found yet (README); the simulator proves the controller's side.
  run "$limit" "$XRL" $gargs --scenario foreign-suspend --scenario leftover-subscription \
    --scenario eventchannel-then-xenstore
  sed -n 's/^{/@@RESULT {/p' /tmp/rx-life.out >/tmp/life-results
  j=$(grep -c '^{' /tmp/rx-life.out)
  other=$(grep -v '^{' /tmp/rx-life.out | head -n 20)
  say_file /tmp/life-results
  result lifecycle-run dom0 "$([ "$RC" = 0 ] && echo true || echo false)" "\"guests\":[$glist],\"domains\":{$doms},\"cmd\":$(jstr "$LASTCMD" 400),\"rc\":$RC,\"ms\":$MS,\"jsonLines\":$j,\"otherStdout\":$(jstr "$other" 600),\"stderr\":$(jstr "$(tail -n 20 /tmp/rx-life.err)" 1500)"
  for g in pv pvh pvhvm hvm; do
    eval "d=\${LIFED_$g:-}"
    [ -n "$d" ] || continue
    alive_check "$g"
    state "$d"
    result lifecycle-alive "$g" "$([ "$ALIVE_OK" = true ] && [ "$STATE" = running ] && echo true || echo false)" \
      "\"domid\":$d,\"domidNow\":$(domid "$g" || echo null),$AJ,\"stateAfter\":${STATEJSON:-null}"
  done
}

# 12: xenstored-lost, the very last act before the reboot: xen-resume-lifecycle pauses the PV guest (so it never
# acknowledges), starts a suspend with a 60 s timeout, and kills xenstored (SIGKILL, from its pid file) 2 s later;
# the suspend must fail promptly with an error about the lost connection. Nothing after it may use xenstore (xl,
# the C client): only the step's line is relayed (the program's summary is its alone), then xenstored-lost-run.
s_xenstored_lost() {
  local RXG=xsl d="" j=0
  if [ ! -x "$XRL" ]; then
    result xenstored-lost-run dom0 false '"reason":"xen-resume-lifecycle binary missing"'
    return
  fi
  [ -f /tmp/first-pv ] && d=$(domid pv)
  if [ -z "$d" ]; then
    result xenstored-lost-run dom0 false '"reason":"no PV guest"'
    return
  fi
  mark "xenstored-lost (domain $d): killing xenstored under a waiting suspend; no xenstore use after this"
  run 120 "$XRL" --scenario xenstored-lost --guest "$d:pv:$(confile pv)"
  grep '^{"lifecycle"' /tmp/rx-xsl.out | sed 's/^{/@@RESULT {/' >/tmp/xsl-results
  j=$(grep -c '^{"lifecycle"' /tmp/rx-xsl.out)
  say_file /tmp/xsl-results
  result xenstored-lost-run dom0 "$([ "$j" -gt 0 ] && echo true || echo false)" "\"domid\":$d,\"cmd\":$(jstr "$LASTCMD" 300),\"rc\":$RC,\"ms\":$MS,\"jsonLines\":$j,\"stderr\":$(jstr "$(tail -n 10 /tmp/rx-xsl.err)" 800)"
}

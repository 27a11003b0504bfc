#!/bin/sh
# create.sh GUEST: `xl create` for one guest, started in the background by main.sh so all guests boot at
# once. A separate process rather than a backgrounded shell function: busybox ash's forked function
# subshells segfaulted on exit here. Leaves /tmp/create-GUEST.{start,log,done} for main.sh.
g=$1
cut -d' ' -f1 /proc/uptime >"/tmp/create-$g.start"
xl create "/guest/$g.cfg" >"/tmp/create-$g.log" 2>&1
rc=$?
echo "$rc $(cut -d' ' -f1 /proc/uptime)" >"/tmp/create-$g.done"

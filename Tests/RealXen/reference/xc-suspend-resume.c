/*
 * xc-suspend-resume: the project's C reference client for the real-Xen harness.
 *
 * It drives the same suspend/resume cycle as `xen-resume`, but through Xen's own C libraries
 * (libxenctrl, libxenguest, libxenstore) the way libxl does it, so that the harness can run both on the
 * same guest in the same boot and compare them. Every command prints exactly one JSON line on stdout.
 *
 *   xc-suspend-resume cycle  DOMID [--count N] [--path xenstore|evtchn|shutdown] [--resume fast|slow|none]
 *                                  [--timeout-ms N] [--interval-ms N] [--late-release-ms N]
 *                                  [--release-before-resume] [--samples]
 *   xc-suspend-resume paced  DOMID [--path xenstore|evtchn|shutdown] [--resume fast|slow] [--timeout-ms N]
 *                                  one cycle per line on stdin, one JSON line per cycle (its pause, stages and what
 *                                  it cost the process: CPU, context switches, wake-ups), until end of input
 *   xc-suspend-resume suspend DOMID [--path xenstore|evtchn|shutdown] [--timeout-ms N]   (a cycle without resume)
 *   xc-suspend-resume lock   DOMID [--hold-ms N]   take the guest's suspend event channel as libxl does, hold it
 *                                  (stderr says when), release it
 *   xc-suspend-resume resume DOMID --fast|--slow|--uncooperative
 *   xc-suspend-resume info   DOMID          state, shutdown reason, HVM callback irq, guest width
 *   xc-suspend-resume regs   DOMID          vcpu0's rax and rip (to prove a resume left them alone)
 *   xc-suspend-resume qmp    DOMID CMD      one QMP command to the device model, e.g. query-status
 *
 * Semantics, following libxl (tools/libs/light/libxl_dom_suspend.c) and libxenguest (xg_resume.c):
 *  - path "xenstore": write "suspend" to /local/domain/D/control/shutdown, wait for the guest's ack (the node
 *    changes), withdraw the request inside a transaction if no ack comes in time; then wait for the domain
 *    to be shut down with reason SHUTDOWN_suspend, woken by the @releaseDomain watch.
 *  - path "evtchn": the guest's suspend event channel (device/suspend/event-channel), taken once per command with
 *    xc_suspend_evtchn_init_exclusive (the lock file libxenguest shares with every toolstack, the interdomain
 *    bind, XEN_DOMCTL_subscribe, the first pending event eaten); per cycle xenevtchn_notify, then the port is
 *    polled until it fires and xc_await_suspend consumes and unmasks it; released at the end with
 *    xc_suspend_evtchn_release, which, as in libxl, leaves the subscription in place. While subscribed, Xen
 *    signals the port instead of raising VIRQ_DOM_EXC for the suspend, so @releaseDomain is not awaited for it
 *    (it still fires, and is polled for, when the guest shuts down otherwise).
 *  - path "shutdown": xc_domain_shutdown(SHUTDOWN_suspend): the guest is not told (pure HVM; or, on a
 *    PV-aware guest, the harness's "forced" suspend), then the same wait.
 *  - resume fast: xc_domain_resume(fast=1); slow: xc_domain_resume(fast=0); uncooperative: only
 *    XEN_DOMCTL_resumedomain (no register touched). Every resume is followed by xs_resume_domain (XS_RESUME),
 *    as libxl does, because C xenstored only fires @releaseDomain for the next shutdown after XS_RESUME.
 *  - The @releaseDomain wait also re-reads the domain every 200 ms. A suspend for which @releaseDomain never
 *    fired (not by the time it was seen, nor within 10 s after the resume) is counted in "seenBy.poll": if
 *    XS_RESUME was not sent after the previous resume (by anyone), every suspend lands there, which is how
 *    the harness proves XS_RESUME is being sent.
 *
 * Exit codes: 0 success, 1 operation failed, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>

#define MAX_SAMPLES 100000

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---------- small JSON helpers (stdout is one JSON line, built into this buffer) ---------- */

static char out[1 << 20];
static size_t outlen;

static void emit(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, sizeof(out) - outlen, fmt, ap);
    va_end(ap);
    if (n > 0)
        outlen = (outlen + (size_t)n < sizeof(out)) ? outlen + (size_t)n : sizeof(out) - 1;
}

static void emit_str(const char *s)
{
    emit("\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            emit("\\%c", c);
        else if (c < 0x20)
            emit("\\u%04x", c);
        else
            emit("%c", c);
    }
    emit("\"");
}

static void finish(void)
{
    fputs(out, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    outlen = 0;
    out[0] = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *sorted, int n, double p)
{
    int rank = (int)(p / 100.0 * n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void emit_stats(const char *name, const double *v, int n)
{
    if (n == 0) {
        emit(",\"%s\":null", name);
        return;
    }
    double *s = malloc(sizeof(double) * n), sum = 0;
    memcpy(s, v, sizeof(double) * n);
    qsort(s, n, sizeof(double), cmp_double);
    for (int i = 0; i < n; i++)
        sum += s[i];
    emit(",\"%s\":{\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f,\"mean\":%.1f}", name, s[0],
         pct(s, n, 50), pct(s, n, 90), pct(s, n, 99), s[n - 1], sum / n);
    free(s);
}

/* ---------- domain state ---------- */

struct dstate {
    bool exists, hvm, shutdown, paused, dying;
    unsigned reason; /* valid only when shutdown */
};

static struct dstate get_state(xc_interface *xch, uint32_t domid)
{
    struct dstate st = { 0 };
    xc_domaininfo_t info;
    /* 4.17's getinfolist returns the next domain up when ours is gone: check the id. */
    if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid)
        return st;
    st.exists = true;
    st.hvm = info.flags & XEN_DOMINF_hvm_guest;
    st.shutdown = info.flags & XEN_DOMINF_shutdown;
    st.paused = info.flags & XEN_DOMINF_paused;
    st.dying = info.flags & XEN_DOMINF_dying;
    st.reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    return st;
}

static const char *state_name(struct dstate st)
{
    if (!st.exists)
        return "gone";
    if (st.dying)
        return "dying";
    if (st.shutdown)
        return "shutdown";
    if (st.paused)
        return "paused";
    return "running";
}

static bool is_suspended(struct dstate st)
{
    return st.exists && st.shutdown && !st.dying && st.reason == SHUTDOWN_suspend;
}

/* ---------- xenstore event wait ---------- */

enum wake { WAKE_REL = 1, WAKE_ACK = 2, WAKE_TIMER = 4, WAKE_EVTCHN = 8 };

/* Waits up to max_ms for watch events; returns the set of tokens that fired (WAKE_TIMER when none did). */
static int wait_events(struct xs_handle *xsh, int max_ms)
{
    struct pollfd pfd = { .fd = xs_fileno(xsh), .events = POLLIN };
    int woke = 0;
    if (poll(&pfd, 1, max_ms) > 0) {
        char **ev;
        while ((ev = xs_check_watch(xsh)) != NULL) {
            if (!strcmp(ev[XS_WATCH_TOKEN], "rel"))
                woke |= WAKE_REL;
            else if (!strcmp(ev[XS_WATCH_TOKEN], "ack"))
                woke |= WAKE_ACK;
            free(ev);
        }
    }
    return woke ? woke : WAKE_TIMER;
}

/* How long after a resume a @releaseDomain event for the suspend may still arrive. xenstored handles
 * VIRQ_DOM_EXC in its own time: with HVM guests booting under emulation it was seen to take more than 2 s, and
 * such a late event is not a missing XS_RESUME. Only a suspend whose event never comes costs this wait. */
#define LATE_RELEASE_MS 10000

/* Waits up to max_ms for a @releaseDomain event, ignoring others. */
static bool await_release(struct xs_handle *xsh, int max_ms)
{
    double end = now_us() + max_ms * 1000.0;
    for (;;) {
        double left_ms = (end - now_us()) / 1000.0;
        if (left_ms <= 0)
            return false;
        if (wait_events(xsh, (int)left_ms + 1) & WAKE_REL)
            return true;
    }
}

static void drain_events(struct xs_handle *xsh)
{
    while (wait_events(xsh, 0) != WAKE_TIMER)
        ;
}

/* Withdraws an unacknowledged "suspend" request, as libxl does, inside a transaction. Returns true when the
 * guest acknowledged at the last moment (the suspend goes on). */
static bool withdraw_request(struct xs_handle *xsh, const char *node)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        xs_transaction_t t = xs_transaction_start(xsh);
        unsigned len = 0;
        char *v = xs_read(xsh, t, node, &len);
        bool still_pending = v && !strcmp(v, "suspend");
        free(v);
        if (!still_pending) {
            xs_transaction_end(xsh, t, true);
            return true;
        }
        xs_write(xsh, t, node, "", 0);
        if (xs_transaction_end(xsh, t, false))
            return false;
        if (errno != EAGAIN)
            return false;
    }
    return false;
}

/* Ends a command's JSON line with its "error" (null when err is empty) and writes it out. */
static void emit_error_and_finish(const char *err)
{
    emit(",\"error\":");
    if (err[0])
        emit_str(err);
    else
        emit("null");
    emit("}");
    finish();
}

/* ---------- the guest's suspend event channel ---------- */

struct suspend_channel {
    xenevtchn_handle *xce;
    int port, lockfd; /* the local port, -1 when not bound */
};

/* Takes the guest's advertised channel as libxl does; 0, or -1 with the failure in err. */
static int channel_open(xc_interface *xch, struct xs_handle *xsh, uint32_t domid, struct suspend_channel *ch,
                        char *err, size_t errlen)
{
    char node[96];
    unsigned len = 0;
    *ch = (struct suspend_channel){ .xce = NULL, .port = -1, .lockfd = -1 };
    snprintf(node, sizeof(node), "/local/domain/%u/device/suspend/event-channel", domid);
    char *v = xs_read(xsh, XBT_NULL, node, &len);
    if (!v) {
        snprintf(err, errlen, "the guest advertises no suspend event channel (%s: %s)", node, strerror(errno));
        return -1;
    }
    int remote = atoi(v);
    free(v);
    ch->xce = xenevtchn_open(NULL, 0);
    if (!ch->xce) {
        snprintf(err, errlen, "xenevtchn_open: %s", strerror(errno));
        return -1;
    }
    ch->port = xc_suspend_evtchn_init_exclusive(xch, ch->xce, domid, remote, &ch->lockfd);
    if (ch->port < 0) {
        snprintf(err, errlen, "xc_suspend_evtchn_init_exclusive(port %d): %s", remote, strerror(errno));
        ch->port = -1;
        return -1;
    }
    return 0;
}

static void channel_close(xc_interface *xch, uint32_t domid, struct suspend_channel *ch)
{
    if (ch->port >= 0)
        xc_suspend_evtchn_release(xch, ch->xce, domid, ch->port, &ch->lockfd);
    if (ch->xce)
        xenevtchn_close(ch->xce);
    *ch = (struct suspend_channel){ .xce = NULL, .port = -1, .lockfd = -1 };
}

/* Waits up to max_ms for the port; when it fired, xc_await_suspend consumes the event and unmasks the port. */
static int wait_channel(xc_interface *xch, struct suspend_channel *ch, int max_ms)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(ch->xce), .events = POLLIN };
    if (poll(&pfd, 1, max_ms) > 0 && xc_await_suspend(xch, ch->xce, ch->port) == 0)
        return WAKE_EVTCHN;
    return WAKE_TIMER;
}

/* ---------- commands ---------- */

struct opts {
    /* late_release_ms: how long after a resume a cycle still waits for its suspend's @releaseDomain before counting
     * it in "seenBy.poll" (LATE_RELEASE_MS unless --late-release-ms says otherwise; 0 for a loop whose seenBy nobody
     * reads, since each suspend xenstored never announces would add the whole wait to the loop's time).
     * release_before_resume (--release-before-resume): the cycle holds the suspend until @releaseDomain announces it
     * (or late_release_ms passes) and only then resumes. Without it a suspend found by the first look or the 200 ms
     * re-read may be resumed, XS_RESUME included, before xenstored has handled VIRQ_DOM_EXC, and xenstored then
     * never announces it: a race of this client's, not a missing XS_RESUME. */
    int count, timeout_ms, interval_ms, late_release_ms;
    const char *path, *resume;
    bool samples, release_before_resume;
};

static int do_resume(xc_interface *xch, struct xs_handle *xsh, uint32_t domid, const char *mode, int *err)
{
    int rc;
    *err = 0;
    if (!strcmp(mode, "uncooperative")) {
        struct xen_domctl d = { .cmd = XEN_DOMCTL_resumedomain, .domain = (domid_t)domid };
        rc = xc_domctl(xch, &d);
    } else {
        rc = xc_domain_resume(xch, domid, !strcmp(mode, "fast"));
    }
    if (rc)
        *err = errno;
    /* libxl sends XS_RESUME after every resume; C xenstored re-arms @releaseDomain for this domain on it. */
    if (xsh && !xs_resume_domain(xsh, domid) && !rc) {
        *err = errno;
        rc = -2;
    }
    return rc;
}

/* ---------- one suspend/resume cycle ---------- */

/* What a cycle needs across cycles: the xenstore handle with its watches, and (outside paced mode) the channel. */
struct cycle_ctx {
    xc_interface *xch;
    uint32_t domid;
    struct opts o;
    bool xenstore, evtchn, resume;
    struct xs_handle *xsh;
    struct suspend_channel ch;
    char node[96];
};

/* The moments of one cycle (microseconds on CLOCK_MONOTONIC), and what woke the suspend wait. The stages are the
 * differences: planned (the state check; nothing asked of the guest yet), request (the request written or sent),
 * acknowledged (xenstore only), suspended, domainResumed (xc_domain_resume: its state check, the return register
 * and XEN_DOMCTL_resumedomain), xenstoreResumed. */
struct cycle_times {
    double start, planned, requested, acked, suspended, resumed, xs_resumed;
    int woke;
};

/* Opens xenstore and registers the watches, once, like a checkpointing toolstack (each fires once on
 * registration, which is drained). 0, or -1 with the failure in err. */
static int cycle_ctx_open(struct cycle_ctx *c, char *err, size_t errlen)
{
    c->xenstore = !strcmp(c->o.path, "xenstore");
    c->evtchn = !strcmp(c->o.path, "evtchn");
    c->resume = strcmp(c->o.resume, "none") != 0;
    c->ch = (struct suspend_channel){ .xce = NULL, .port = -1, .lockfd = -1 };
    snprintf(c->node, sizeof(c->node), "/local/domain/%u/control/shutdown", c->domid);
    c->xsh = xs_open(0);
    if (!c->xsh) {
        snprintf(err, errlen, "xs_open: %s", strerror(errno));
        return -1;
    }
    if (!xs_watch(c->xsh, "@releaseDomain", "rel") || (c->xenstore && !xs_watch(c->xsh, c->node, "ack"))) {
        snprintf(err, errlen, "xs_watch: %s", strerror(errno));
        return -1;
    }
    wait_events(c->xsh, 50);
    drain_events(c->xsh);
    return 0;
}

static void cycle_ctx_close(struct cycle_ctx *c)
{
    channel_close(c->xch, c->domid, &c->ch);
    if (c->xsh)
        xs_close(c->xsh);
    c->xsh = NULL;
}

/* One cycle, numbered n (from 1) in messages. 0 when it completed; 1 when it failed with the guest left as it was
 * (the loop may stop); -1 when it failed half-way (err says how). */
static int one_cycle(struct cycle_ctx *c, int n, struct cycle_times *t, char *err, size_t errlen)
{
    xc_interface *xch = c->xch;
    struct xs_handle *xsh = c->xsh;
    uint32_t domid = c->domid;
    *t = (struct cycle_times){ 0 };
    drain_events(xsh);
    /* The pause starts with the state check, as xen-resume's does: a suspend must look before it asks. */
    t->start = now_us();
    double deadline = t->start + c->o.timeout_ms * 1000.0;
    struct dstate st = get_state(xch, domid);
    if (!st.exists || st.shutdown) {
        snprintf(err, errlen, "cycle %d: domain not running (%s, reason %u)", n, state_name(st), st.reason);
        return 1;
    }
    /* The guest feels nothing until it is asked: the compared pause runs from here (xen-resume's `planned`). */
    t->planned = now_us();
    if (c->xenstore) {
        if (!xs_write(xsh, XBT_NULL, c->node, "suspend", strlen("suspend"))) {
            snprintf(err, errlen, "cycle %d: write %s: %s", n, c->node, strerror(errno));
            return 1;
        }
        t->requested = now_us();
        /* Ack: the node holds anything but "suspend" (Linux writes ""), or is gone. */
        for (;;) {
            unsigned len = 0;
            char *v = xs_read(xsh, XBT_NULL, c->node, &len);
            bool acked = !v || strcmp(v, "suspend") != 0;
            free(v);
            if (acked)
                break;
            double left_ms = (deadline - now_us()) / 1000.0;
            if (left_ms <= 0) {
                if (withdraw_request(xsh, c->node))
                    break;
                snprintf(err, errlen, "cycle %d: guest did not acknowledge (request withdrawn)", n);
                return -1;
            }
            wait_events(xsh, left_ms < 200 ? (int)left_ms + 1 : 200);
        }
        t->acked = now_us();
    } else if (c->evtchn) {
        if (xenevtchn_notify(c->ch.xce, c->ch.port) < 0) {
            snprintf(err, errlen, "cycle %d: xenevtchn_notify: %s", n, strerror(errno));
            return 1;
        }
        t->requested = t->acked = now_us();
    } else {
        if (xc_domain_shutdown(xch, domid, SHUTDOWN_suspend)) {
            snprintf(err, errlen, "cycle %d: xc_domain_shutdown: %s", n, strerror(errno));
            return 1;
        }
        t->requested = t->acked = now_us();
    }
    /* Wait for SHUTDOWN_suspend; note what woke us when we saw it (0: the first look). */
    for (;;) {
        st = get_state(xch, domid);
        if (is_suspended(st))
            break;
        if (!st.exists || st.dying || st.shutdown) {
            snprintf(err, errlen, "cycle %d: domain %s (reason %u) instead of suspended", n, state_name(st),
                     st.reason);
            return -1;
        }
        double left_ms = (deadline - now_us()) / 1000.0;
        if (left_ms <= 0) {
            snprintf(err, errlen, "cycle %d: guest did not suspend within %d ms", n, c->o.timeout_ms);
            return -1;
        }
        int wait_ms = left_ms < 200 ? (int)left_ms + 1 : 200;
        t->woke = c->evtchn ? wait_channel(xch, &c->ch, wait_ms) : wait_events(xsh, wait_ms);
    }
    t->suspended = now_us();
    if (c->o.release_before_resume && !c->evtchn && !(t->woke & WAKE_REL) && await_release(xsh, c->o.late_release_ms))
        t->woke |= WAKE_REL;
    if (c->resume) {
        int e;
        int rc = do_resume(xch, NULL, domid, c->o.resume, &e);
        t->resumed = now_us();
        /* libxl sends XS_RESUME after every resume (even a failed one); C xenstored re-arms @releaseDomain for
         * this domain on it. */
        if (!xs_resume_domain(xsh, domid) && !rc) {
            e = errno;
            rc = -2;
        }
        t->xs_resumed = now_us();
        if (rc) {
            snprintf(err, errlen, "cycle %d: resume (%s) failed rc=%d: %s", n, c->o.resume, rc, strerror(e));
            return -1;
        }
    }
    return 0;
}

/* Did @releaseDomain (or the channel) announce the cycle's suspend? Decided after the resume, so that waiting for a
 * late event never lengthens the measured pause. */
static void count_seen_by(struct cycle_ctx *c, const struct cycle_times *t, int *by_rel, int *by_evtchn,
                          int *by_poll)
{
    if (c->evtchn && (t->woke & WAKE_EVTCHN))
        (*by_evtchn)++;
    else if (c->evtchn)
        (*by_poll)++;
    else if ((t->woke & WAKE_REL) || await_release(c->xsh, c->o.late_release_ms))
        (*by_rel)++;
    else
        (*by_poll)++;
}

static int cmd_cycle(xc_interface *xch, uint32_t domid, struct opts o)
{
    struct cycle_ctx c = { .xch = xch, .domid = domid, .o = o };
    double *susp = calloc(o.count, sizeof(double)), *res = calloc(o.count, sizeof(double));
    double *pause = calloc(o.count, sizeof(double));
    int ok = 0, by_rel = 0, by_poll = 0, by_evtchn = 0;
    char err[256] = "";
    double loop_start = now_us(), loop_end = loop_start;

    if (cycle_ctx_open(&c, err, sizeof(err)) == 0 &&
        (!c.evtchn || channel_open(xch, c.xsh, domid, &c.ch, err, sizeof(err)) == 0)) {
        loop_start = now_us();
        for (int i = 0; i < o.count; i++) {
            if (i > 0 && o.interval_ms > 0)
                usleep(o.interval_ms * 1000);
            struct cycle_times t;
            if (one_cycle(&c, i + 1, &t, err, sizeof(err)))
                break;
            susp[i] = t.suspended - t.start;
            res[i] = c.resume ? t.xs_resumed - t.suspended : 0;
            pause[i] = (c.resume ? t.xs_resumed : t.suspended) - t.start;
            count_seen_by(&c, &t, &by_rel, &by_evtchn, &by_poll);
            ok++;
        }
        loop_end = now_us();
    }
    cycle_ctx_close(&c);
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"cycle\",\"domain\":%u,\"path\":", domid);
    emit_str(o.path);
    emit(",\"resume\":");
    emit_str(o.resume);
    emit(",\"count\":%d,\"succeeded\":%d,\"elapsedMicroseconds\":%.1f", o.count, ok, loop_end - loop_start);
    emit_stats("suspendMicroseconds", susp, ok);
    emit_stats("resumeMicroseconds", c.resume ? res : NULL, c.resume ? ok : 0);
    emit_stats("pauseMicroseconds", pause, ok);
    emit(",\"seenBy\":{\"releaseDomain\":%d,\"eventChannel\":%d,\"poll\":%d}", by_rel, by_evtchn, by_poll);
    if (o.samples) {
        emit(",\"samples\":[");
        for (int i = 0; i < ok; i++)
            emit("%s%.1f", i ? "," : "", pause[i]);
        emit("]");
    }
    emit_error_and_finish(err);
    free(susp);
    free(res);
    free(pause);
    return (ok == o.count && !err[0]) ? 0 : 1;
}

/* ---------- paced cycles: what the process costs dom0 per cycle ---------- */

/* The process's CPU time, context switches (getrusage sums every thread, live and ended) and wake-ups: how often
 * any of its threads was put on a CPU (the second field of each thread's /proc schedstat). */
struct dom0_counts {
    double user_us, system_us;
    long voluntary, involuntary, wakeups;
};

static long thread_wakeups(void)
{
    long total = 0;
    char path[300];
    struct dirent *entry;
    DIR *dir = opendir("/proc/self/task");
    if (!dir)
        return -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", entry->d_name);
        FILE *f = fopen(path, "r");
        unsigned long long run_ns, wait_ns, slices;
        if (f && fscanf(f, "%llu %llu %llu", &run_ns, &wait_ns, &slices) == 3)
            total += (long)slices;
        if (f)
            fclose(f);
    }
    closedir(dir);
    return total;
}

/* Wake-ups are read outside getrusage's bracket (first on the way in, last on the way out), so reading /proc costs
 * the window nothing. */
static void counts_begin(struct dom0_counts *c)
{
    struct rusage ru;
    c->wakeups = thread_wakeups();
    getrusage(RUSAGE_SELF, &ru);
    c->user_us = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
    c->system_us = ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
    c->voluntary = ru.ru_nvcsw;
    c->involuntary = ru.ru_nivcsw;
}

static void counts_end(struct dom0_counts *c)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    c->user_us = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
    c->system_us = ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
    c->voluntary = ru.ru_nvcsw;
    c->involuntary = ru.ru_nivcsw;
    c->wakeups = thread_wakeups();
}

static void emit_counts(const char *name, const struct dom0_counts *a, const struct dom0_counts *b)
{
    emit(",\"%s\":{\"userMicroseconds\":%.0f,\"systemMicroseconds\":%.0f,\"voluntarySwitches\":%ld,"
         "\"involuntarySwitches\":%ld,\"wakeups\":%ld}",
         name, b->user_us - a->user_us, b->system_us - a->system_us, b->voluntary - a->voluntary,
         b->involuntary - a->involuntary, b->wakeups - a->wakeups);
}

/* Paced cycles: one cycle per line read on stdin, one JSON line per cycle on stdout, until end of input. The harness
 * interleaves this process's cycles with xen-resume's on the same guest. On the event channel path the channel is
 * taken before each cycle and released after it (the other tool needs it in between), outside the counted window.
 * "window" counts the cycle (from its first clock reading to its last); "between" the time since the previous
 * cycle's window ended (the line on stdout, waiting for the next one, the channel). */
static int cmd_paced(xc_interface *xch, uint32_t domid, struct opts o)
{
    struct cycle_ctx c = { .xch = xch, .domid = domid, .o = o };
    char err[256] = "", line[64];
    struct dom0_counts last_end, before, after;
    int rc = 0;
    if (cycle_ctx_open(&c, err, sizeof(err))) {
        emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"paced\",\"domain\":%u", domid);
        emit_error_and_finish(err);
        cycle_ctx_close(&c);
        return 1;
    }
    counts_end(&last_end);
    for (int n = 1; fgets(line, sizeof(line), stdin); n++) {
        struct cycle_times t = { 0 };
        int result = 1;
        err[0] = 0;
        if (!c.evtchn || channel_open(xch, c.xsh, domid, &c.ch, err, sizeof(err)) == 0) {
            counts_begin(&before);
            result = one_cycle(&c, n, &t, err, sizeof(err));
            counts_end(&after);
        } else {
            before = after = last_end;
        }
        channel_close(xch, domid, &c.ch);
        emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"paced\",\"domain\":%u,\"cycle\":%d,\"path\":", domid, n);
        emit_str(o.path);
        if (result == 0) {
            /* pauseMicroseconds stays the whole window from the state check; readers compare it less "planned". */
            emit(",\"pauseMicroseconds\":%.1f,\"stageMicroseconds\":{", t.xs_resumed - t.start);
            emit("\"planned\":%.1f", t.planned - t.start);
            emit(",\"%s\":%.1f", c.xenstore ? "requestWritten" : "requestSent", t.requested - t.planned);
            if (c.xenstore)
                emit(",\"acknowledged\":%.1f", t.acked - t.requested);
            emit(",\"suspended\":%.1f,\"domainResumed\":%.1f,\"xenstoreResumed\":%.1f}", t.suspended - t.acked,
                 t.resumed - t.suspended, t.xs_resumed - t.resumed);
            emit_counts("window", &before, &after);
            emit_counts("between", &last_end, &before);
        }
        emit_error_and_finish(err);
        last_end = after;
        if (result < 0) {
            rc = 1;
            break;
        }
    }
    cycle_ctx_close(&c);
    return rc;
}

static int cmd_resume(xc_interface *xch, uint32_t domid, const char *mode)
{
    struct dstate st = get_state(xch, domid);
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"resume\",\"domain\":%u,\"mode\":", domid);
    emit_str(mode);
    /* libxenguest's slow path does not check the state; writing rax of a running guest corrupts it. */
    if (!is_suspended(st)) {
        emit(",\"ok\":false,\"error\":\"not suspended (%s)\"}", state_name(st));
        finish();
        return 1;
    }
    struct xs_handle *xsh = xs_open(0);
    int e;
    double t0 = now_us();
    int rc = do_resume(xch, xsh, domid, mode, &e);
    double t1 = now_us();
    emit(",\"ok\":%s,\"rc\":%d,\"errno\":%d,\"durationMicroseconds\":%.1f", rc ? "false" : "true", rc, e, t1 - t0);
    st = get_state(xch, domid);
    emit(",\"stateAfter\":\"%s\"}", state_name(st));
    finish();
    if (xsh)
        xs_close(xsh);
    return rc ? 1 : 0;
}

/* Takes the suspend event channel as libxl does (so the lock file too), says so on stderr, holds it, releases it. */
static int cmd_lock(xc_interface *xch, uint32_t domid, int hold_ms)
{
    struct xs_handle *xsh = xs_open(0);
    struct suspend_channel ch;
    char err[256] = "";
    int port = -1;
    if (!xsh)
        snprintf(err, sizeof(err), "xs_open: %s", strerror(errno));
    else if (channel_open(xch, xsh, domid, &ch, err, sizeof(err)) == 0) {
        port = ch.port;
        fprintf(stderr, "xc-suspend-resume: holding the suspend event channel of domain %u\n", domid);
        fflush(stderr);
        usleep(hold_ms * 1000);
        channel_close(xch, domid, &ch);
    } else
        channel_close(xch, domid, &ch);
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"lock\",\"domain\":%u,\"ok\":%s,\"localPort\":%d", domid,
         err[0] ? "false" : "true", port);
    emit_error_and_finish(err);
    if (xsh)
        xs_close(xsh);
    return err[0] ? 1 : 0;
}

static int cmd_info(xc_interface *xch, uint32_t domid)
{
    struct dstate st = get_state(xch, domid);
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"info\",\"domain\":%u,\"exists\":%s,\"state\":\"%s\"", domid,
         st.exists ? "true" : "false", state_name(st));
    if (st.exists) {
        emit(",\"hvm\":%s,\"paused\":%s", st.hvm ? "true" : "false", st.paused ? "true" : "false");
        if (st.shutdown)
            emit(",\"shutdownReason\":%u", st.reason);
        else
            emit(",\"shutdownReason\":null");
        if (st.hvm) {
            uint64_t v = 0;
            if (xc_hvm_param_get(xch, domid, HVM_PARAM_CALLBACK_IRQ, &v) == 0)
                emit(",\"callbackIrq\":\"0x%" PRIx64 "\"", v);
        } else {
            unsigned w = 0;
            if (xc_domain_get_guest_width(xch, domid, &w) == 0)
                emit(",\"guestWidth\":%u", w);
        }
    }
    emit("}");
    finish();
    return st.exists ? 0 : 1;
}

static int cmd_regs(xc_interface *xch, uint32_t domid)
{
    struct dstate st = get_state(xch, domid);
    vcpu_guest_context_any_t ctx;
    unsigned width = 8;
    if (st.exists && !st.hvm && xc_domain_get_guest_width(xch, domid, &width))
        width = 8;
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"regs\",\"domain\":%u", domid);
    if (!st.exists || xc_vcpu_getcontext(xch, domid, 0, &ctx)) {
        emit(",\"error\":\"getcontext: %s\"}", strerror(errno));
        finish();
        return 1;
    }
    /* HVM contexts use the host's (64-bit) layout; PV ones the guest's width. */
    if (width == 8)
        emit(",\"width\":8,\"rax\":\"0x%" PRIx64 "\",\"rip\":\"0x%" PRIx64 "\"}", (uint64_t)ctx.x64.user_regs.rax,
             (uint64_t)ctx.x64.user_regs.rip);
    else
        emit(",\"width\":4,\"rax\":\"0x%x\",\"rip\":\"0x%x\"}", ctx.x32.user_regs.eax, ctx.x32.user_regs.eip);
    finish();
    return 0;
}

/* Reads one QMP line that is not an asynchronous event. */
static int qmp_line(int fd, char *buf, size_t n)
{
    for (;;) {
        size_t off = 0;
        for (;;) {
            char c;
            ssize_t r = read(fd, &c, 1);
            if (r <= 0)
                return -1;
            if (c == '\n')
                break;
            if (off < n - 1)
                buf[off++] = c;
        }
        buf[off] = 0;
        while (off && buf[off - 1] == '\r')
            buf[--off] = 0;
        if (!strstr(buf, "\"event\""))
            return 0;
    }
}

static int cmd_qmp(uint32_t domid, const char *command)
{
    char buf[4096], req[256];
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    /* libxl's QMP socket for the device model of this domain. */
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/var/run/xen/qmp-libxl-%u", domid);
    emit("{\"tool\":\"xc-suspend-resume\",\"command\":\"qmp\",\"domain\":%u,\"execute\":", domid);
    emit_str(command);
    snprintf(req, sizeof(req), "{\"execute\":\"%s\"}\n", command);
    const char *caps = "{\"execute\":\"qmp_capabilities\"}\n";
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || qmp_line(fd, buf, sizeof(buf)) < 0 ||
        write(fd, caps, strlen(caps)) < 0 || qmp_line(fd, buf, sizeof(buf)) < 0 ||
        write(fd, req, strlen(req)) < 0 || qmp_line(fd, buf, sizeof(buf)) < 0) {
        emit(",\"error\":");
        emit_str(strerror(errno));
        emit("}");
        finish();
        return 1;
    }
    close(fd);
    emit(",\"reply\":%s}", buf);
    finish();
    return strstr(buf, "\"return\"") ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: xc-suspend-resume cycle DOMID [--count N] [--path xenstore|evtchn|shutdown]\n"
            "                                     [--resume fast|slow|none] [--timeout-ms N] [--interval-ms N]\n"
            "                                     [--late-release-ms N] [--release-before-resume] [--samples]\n"
            "       xc-suspend-resume paced DOMID [--path xenstore|evtchn|shutdown] [--resume fast|slow] [--timeout-ms N]\n"
            "       xc-suspend-resume suspend DOMID [--path xenstore|evtchn|shutdown] [--timeout-ms N]\n"
            "       xc-suspend-resume lock DOMID [--hold-ms N]\n"
            "       xc-suspend-resume resume DOMID --fast|--slow|--uncooperative\n"
            "       xc-suspend-resume info|regs DOMID\n"
            "       xc-suspend-resume qmp DOMID COMMAND\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1];
    char *end;
    unsigned long d = strtoul(argv[2], &end, 10);
    if (*end || d >= 0x7ff0)
        return usage();
    uint32_t domid = (uint32_t)d;
    struct opts o = { .count = 1, .timeout_ms = 60000, .interval_ms = 0, .late_release_ms = LATE_RELEASE_MS,
                      .path = "xenstore", .resume = "fast" };
    int hold_ms = 0;
    const char *resume_mode = NULL;

    if (!strcmp(cmd, "qmp"))
        return argc == 4 ? cmd_qmp(domid, argv[3]) : usage();
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--count") && v)
            o.count = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout-ms") && v)
            o.timeout_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--interval-ms") && v)
            o.interval_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--late-release-ms") && v)
            o.late_release_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--release-before-resume"))
            o.release_before_resume = true;
        else if (!strcmp(a, "--hold-ms") && v)
            hold_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--path") && v && (!strcmp(v, "xenstore") || !strcmp(v, "evtchn") || !strcmp(v, "shutdown")))
            o.path = argv[++i];
        else if (!strcmp(a, "--resume") && v && (!strcmp(v, "fast") || !strcmp(v, "slow") || !strcmp(v, "none")))
            o.resume = argv[++i];
        else if (!strcmp(a, "--samples"))
            o.samples = true;
        else if (!strcmp(a, "--fast") || !strcmp(a, "--slow") || !strcmp(a, "--uncooperative"))
            resume_mode = a + 2;
        else
            return usage();
    }
    if (o.count < 1 || o.count > MAX_SAMPLES || o.timeout_ms < 1 || hold_ms < 0 ||
        (!strcmp(cmd, "paced") && !strcmp(o.resume, "none")))
        return usage();

    /* A quiet logger: errors are reported in the JSON line, not by libxc on stderr. */
    xentoollog_logger *lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    xc_interface *xch = xc_interface_open(lg, lg, 0);
    if (!xch) {
        emit("{\"tool\":\"xc-suspend-resume\",\"command\":");
        emit_str(cmd);
        emit(",\"error\":\"xc_interface_open: %s\"}", strerror(errno));
        finish();
        return 1;
    }
    int rc;
    if (!strcmp(cmd, "cycle"))
        rc = cmd_cycle(xch, domid, o);
    else if (!strcmp(cmd, "paced"))
        rc = cmd_paced(xch, domid, o);
    else if (!strcmp(cmd, "suspend")) {
        o.count = 1;
        o.resume = "none";
        rc = cmd_cycle(xch, domid, o);
    } else if (!strcmp(cmd, "resume") && resume_mode)
        rc = cmd_resume(xch, domid, resume_mode);
    else if (!strcmp(cmd, "lock"))
        rc = cmd_lock(xch, domid, hold_ms);
    else if (!strcmp(cmd, "info"))
        rc = cmd_info(xch, domid);
    else if (!strcmp(cmd, "regs"))
        rc = cmd_regs(xch, domid);
    else
        rc = usage();
    xc_interface_close(xch);
    return rc;
}

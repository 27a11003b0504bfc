// SPDX-License-Identifier: GPL-2.0
/*
 * rx_suspend_evtchn: the guest's half of Xen's suspend event channel, for the real-Xen labs.
 *
 * Upstream Linux never advertises a suspend event channel (XenLinux 2.6.18 kernels and the GPLPV Windows drivers
 * did), so without this module no lab guest could take the toolstack's event channel path. Loaded in a guest it:
 *
 *  - allocates an unbound event channel port that dom0 may bind, and writes its number to
 *    device/suspend/event-channel, where libxl and xen-resume look for it;
 *  - on an event on that port, runs the kernel's own suspend, by making the request a toolstack would make
 *    (control/shutdown = "suspend", written by the guest itself): the suspend and resume are the kernel's, exactly
 *    as on the xenstore path; only the trigger is the channel. The kernel's code for it (do_suspend in
 *    drivers/xen/manage.c) is not exported, and this reaches it without copying any of it;
 *  - after a resume in a new domain (the event channels were reset), allocates and advertises a fresh port, as
 *    XenLinux did; after a fast resume the port is still bound and is kept;
 *  - follows data/rx-suspend-evtchn, which dom0 may write at any time: "answer" (the default) suspends on an
 *    event, "ignore" only counts it (a guest that advertises a port but never answers), "crash" panics (a guest
 *    that crashes instead of suspending).
 *
 * Read-only parameters under /sys/module/rx_suspend_evtchn/parameters: port (the advertised port), events (events
 * received), requests (suspends requested).
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/xen-ops.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include <asm/xen/hypercall.h>

#define MODE_NODE "data/rx-suspend-evtchn"

enum answer_mode { MODE_ANSWER, MODE_IGNORE, MODE_CRASH };

static unsigned int port;
module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "the advertised suspend event channel port (0: none)");

static unsigned int events;
module_param(events, uint, 0444);
MODULE_PARM_DESC(events, "events received on the port");

static unsigned int requests;
module_param(requests, uint, 0444);
MODULE_PARM_DESC(requests, "suspends requested after an event");

static atomic_t mode = ATOMIC_INIT(MODE_ANSWER);
/* The bound irq, -1 when none; changed only under channel_lock. */
static int irq = -1;
static DEFINE_MUTEX(channel_lock);

static void request_suspend(struct work_struct *work);
static void readvertise(struct work_struct *work);
static DECLARE_WORK(request_work, request_suspend);
static DECLARE_WORK(readvertise_work, readvertise);

static irqreturn_t on_event(int irq, void *dev_id)
{
	events++;
	switch (atomic_read(&mode)) {
	case MODE_IGNORE:
		break;
	case MODE_CRASH:
		panic("rx_suspend_evtchn: crashing instead of suspending, as data/rx-suspend-evtchn asks");
	default:
		schedule_work(&request_work);
	}
	return IRQ_HANDLED;
}

/*
 * The kernel's suspend, through its own control/shutdown handler. A request still pending (written, not yet taken
 * by the handler) is not written again, so two events before the suspend make one suspend, not two.
 */
static void request_suspend(struct work_struct *work)
{
	char *pending = xenbus_read(XBT_NIL, "control", "shutdown", NULL);
	int err;

	if (!IS_ERR(pending)) {
		bool already = strcmp(pending, "suspend") == 0;

		kfree(pending);
		if (already)
			return;
	}
	err = xenbus_write(XBT_NIL, "control", "shutdown", "suspend");
	if (err) {
		pr_err("rx_suspend_evtchn: writing control/shutdown failed: %d\n", err);
		return;
	}
	requests++;
}

/* Allocates an unbound port for dom0, binds it here and advertises it; called with channel_lock held. */
static int advertise(void)
{
	struct evtchn_alloc_unbound alloc = { .dom = DOMID_SELF, .remote_dom = 0 };
	int err, bound;

	err = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
	if (err) {
		pr_err("rx_suspend_evtchn: EVTCHNOP_alloc_unbound failed: %d\n", err);
		return err;
	}
	bound = bind_evtchn_to_irqhandler(alloc.port, on_event, 0, "rx-suspend-evtchn", NULL);
	if (bound < 0) {
		struct evtchn_close close = { .port = alloc.port };

		pr_err("rx_suspend_evtchn: binding port %u failed: %d\n", alloc.port, bound);
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
		return bound;
	}
	irq = bound;
	port = alloc.port;
	err = xenbus_printf(XBT_NIL, "device/suspend", "event-channel", "%u", port);
	if (err)
		pr_err("rx_suspend_evtchn: writing device/suspend/event-channel failed: %d\n", err);
	return err;
}

/* Drops the irq (and, while the domain's channels are live, the port); called with channel_lock held. */
static void withdraw(void)
{
	if (irq >= 0)
		unbind_from_irqhandler(irq, NULL);
	irq = -1;
	port = 0;
}

/*
 * After every resume: a resume in a new domain reset the event channels, and Linux zapped every irq's port, so the
 * port no longer maps to this module's irq; a fast resume left both alone.
 */
static void readvertise(struct work_struct *work)
{
	mutex_lock(&channel_lock);
	if (irq >= 0 && irq_from_evtchn(port) != irq) {
		withdraw();
		advertise();
	}
	mutex_unlock(&channel_lock);
}

static int on_resume(struct notifier_block *nb, unsigned long action, void *data)
{
	schedule_work(&readvertise_work);
	return NOTIFY_DONE;
}

static struct notifier_block resume_notifier = { .notifier_call = on_resume };

static void mode_changed(struct xenbus_watch *watch, const char *path, const char *token)
{
	char *value = xenbus_read(XBT_NIL, "data", "rx-suspend-evtchn", NULL);
	enum answer_mode next = MODE_ANSWER;

	if (IS_ERR(value))
		return;
	if (strcmp(value, "ignore") == 0)
		next = MODE_IGNORE;
	else if (strcmp(value, "crash") == 0)
		next = MODE_CRASH;
	atomic_set(&mode, next);
	kfree(value);
}

static struct xenbus_watch mode_watch = { .node = MODE_NODE, .callback = mode_changed };

static int __init rx_suspend_evtchn_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	err = register_xenbus_watch(&mode_watch);
	if (err) {
		pr_err("rx_suspend_evtchn: watching " MODE_NODE " failed: %d\n", err);
		return err;
	}
	xen_resume_notifier_register(&resume_notifier);
	mutex_lock(&channel_lock);
	err = advertise();
	if (err)
		withdraw();
	mutex_unlock(&channel_lock);
	if (err) {
		xen_resume_notifier_unregister(&resume_notifier);
		unregister_xenbus_watch(&mode_watch);
	}
	return err;
}

static void __exit rx_suspend_evtchn_exit(void)
{
	xen_resume_notifier_unregister(&resume_notifier);
	unregister_xenbus_watch(&mode_watch);
	cancel_work_sync(&readvertise_work);
	cancel_work_sync(&request_work);
	mutex_lock(&channel_lock);
	withdraw();
	mutex_unlock(&channel_lock);
	xenbus_rm(XBT_NIL, "device/suspend", "event-channel");
}

module_init(rx_suspend_evtchn_init);
module_exit(rx_suspend_evtchn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The guest's half of Xen's suspend event channel, for SwiftXenResume's real-Xen labs");

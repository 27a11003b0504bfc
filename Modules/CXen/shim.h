/* The one header Swift imports from libxen-dev. __XEN_TOOLS__ must come first: xen/domctl.h refuses to be
 * included without it, and a -D from pkg-config or cSettings never reaches the Swift importer. Everything below
 * the includes exists only because Swift cannot import it directly (macros, unions, variadics, offsetof). */
#ifndef SWIFTXENRESUME_CXEN_SHIM_H
#define SWIFTXENRESUME_CXEN_SHIM_H

#define __XEN_TOOLS__ 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>
#include <xen/domctl.h>
#include <xen/foreign/x86_32.h>
#include <xen/foreign/x86_64.h>

/* ---- Constants built with xen_mk_uint() or arithmetic, which the importer drops. ---- */

/* Ids at and above this are reserved (DOMID_SELF, DOMID_IO, ...). domctls carry a 16-bit domid_t, so the
 * backend refuses larger ids instead of letting libxenctrl truncate them into another domain's id. */
static const uint32_t CXEN_DOMID_FIRST_RESERVED = DOMID_FIRST_RESERVED;

/* Lets the layout tests check that GuestLayout.pageSize and the library agree on what a page is. */
static const uint64_t CXEN_PAGE_MASK = XC_PAGE_MASK;

/* Open-file-description locks (F_OFD_SETLK) conflict with the classic fcntl locks libxenguest takes on the suspend
 * lock file, yet belong to one open file rather than to the whole process, so two owners in one process exclude each
 * other too and closing an unrelated descriptor never drops the lock. glibc declares the command only under
 * _GNU_SOURCE, which the Swift Glibc module is not built with; 37 is its value in the Linux ABI. */
#ifdef F_OFD_SETLK
static const int CXEN_F_OFD_SETLK = F_OFD_SETLK;
#else
static const int CXEN_F_OFD_SETLK = 37;
#endif

/* ---- A logger that never prints. ----
 * Without a logger of our own, libxenctrl, libxenevtchn and libxenforeignmemory create one that writes to stderr
 * (e.g. "xencall: error: Could not obtain handle on privileged command interface" on a machine without Xen). The
 * backend reports every failure as a thrown error instead, and xc_get_last_error still records libxenctrl's message,
 * so the messages are dropped here. The logger is static: it outlives every handle and is never freed. */

static inline void cxen_quiet_vmessage(struct xentoollog_logger *logger, xentoollog_level level, int errnoval,
                                       const char *context, const char *format, va_list al) {
  (void)logger; (void)level; (void)errnoval; (void)context; (void)format; (void)al;
}

static inline void cxen_quiet_progress(struct xentoollog_logger *logger, const char *context,
                                       const char *doing_what, int percent, unsigned long done,
                                       unsigned long total) {
  (void)logger; (void)context; (void)doing_what; (void)percent; (void)done; (void)total;
}

/* The libraries only destroy loggers they created themselves; ours has nothing to free anyway. */
static inline void cxen_quiet_destroy(struct xentoollog_logger *logger) { (void)logger; }

static inline xentoollog_logger *cxen_quiet_logger(void) {
  static xentoollog_logger logger = { cxen_quiet_vmessage, cxen_quiet_progress, cxen_quiet_destroy };
  return &logger;
}

/* ---- Layout facts for the tests, which compare them with GuestLayout's hard-coded offsets. ----
 * offsetof with a nested member designator, and members of anonymous unions (rax in x86_64's __DECL_REG), have no
 * Swift spelling, so the C compiler computes them here from the installed headers. */

static const size_t CXEN_VCPU_CONTEXT_ANY_SIZE = sizeof(vcpu_guest_context_any_t);
static const size_t CXEN_VCPU_CONTEXT_X86_64_SIZE = sizeof(vcpu_guest_context_x86_64_t);
static const size_t CXEN_VCPU_CONTEXT_X86_32_SIZE = sizeof(vcpu_guest_context_x86_32_t);

static const size_t CXEN_VCPU_CONTEXT_X86_64_RAX = offsetof(vcpu_guest_context_x86_64_t, user_regs.rax);
static const size_t CXEN_VCPU_CONTEXT_X86_64_RDX = offsetof(vcpu_guest_context_x86_64_t, user_regs.rdx);
static const size_t CXEN_VCPU_CONTEXT_X86_32_EAX = offsetof(vcpu_guest_context_x86_32_t, user_regs.eax);
static const size_t CXEN_VCPU_CONTEXT_X86_32_EDX = offsetof(vcpu_guest_context_x86_32_t, user_regs.edx);

/* Both members of vcpu_guest_context_any_t must start at byte 0 for the backend's byte copies to be right. */
static const size_t CXEN_VCPU_CONTEXT_ANY_X64 = offsetof(vcpu_guest_context_any_t, x64);
static const size_t CXEN_VCPU_CONTEXT_ANY_X32 = offsetof(vcpu_guest_context_any_t, x32);

static const size_t CXEN_START_INFO_X86_64_STORE_MFN = offsetof(start_info_x86_64_t, store_mfn);
static const size_t CXEN_START_INFO_X86_32_STORE_MFN = offsetof(start_info_x86_32_t, store_mfn);
static const size_t CXEN_START_INFO_X86_64_CONSOLE_MFN = offsetof(start_info_x86_64_t, console.domU.mfn);
static const size_t CXEN_START_INFO_X86_32_CONSOLE_MFN = offsetof(start_info_x86_32_t, console.domU.mfn);

static const size_t CXEN_SHARED_INFO_X86_64_MAX_PFN = offsetof(shared_info_x86_64_t, arch.max_pfn);
static const size_t CXEN_SHARED_INFO_X86_32_MAX_PFN = offsetof(shared_info_x86_32_t, arch.max_pfn);
static const size_t CXEN_SHARED_INFO_X86_64_FRAME_LIST_LIST =
    offsetof(shared_info_x86_64_t, arch.pfn_to_mfn_frame_list_list);
static const size_t CXEN_SHARED_INFO_X86_32_FRAME_LIST_LIST =
    offsetof(shared_info_x86_32_t, arch.pfn_to_mfn_frame_list_list);

/* The backend fills a struct xen_domctl in Swift for XEN_DOMCTL_resumedomain; these pin what it relies on. */
static const size_t CXEN_DOMCTL_SIZE = sizeof(struct xen_domctl);
static const size_t CXEN_DOMCTL_CMD = offsetof(struct xen_domctl, cmd);
static const size_t CXEN_DOMCTL_INTERFACE_VERSION = offsetof(struct xen_domctl, interface_version);
static const size_t CXEN_DOMCTL_DOMAIN = offsetof(struct xen_domctl, domain);

/* xc_domain_getinfolist writes one xc_domaininfo_t into a buffer the backend allocates in Swift. */
static const size_t CXEN_DOMAININFO_SIZE = sizeof(xc_domaininfo_t);

#endif

/* The one header Swift imports from libxen-dev. __XEN_TOOLS__ must come first: xen/domctl.h refuses to be
 * included without it, and a -D from pkg-config or cSettings never reaches the Swift importer. Everything below
 * the includes exists only because Swift cannot import it directly (macros, unions, variadics, offsetof). */
#ifndef SWIFTXENRESUME_CXEN_SHIM_H
#define SWIFTXENRESUME_CXEN_SHIM_H

#define __XEN_TOOLS__ 1

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>
#include <xen/domctl.h>
#include <xen/hvm/save.h>
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

/* xc_domain_getinfo_single / xc_domain_getinfolist write one xc_domaininfo_t into a buffer the backend allocates in
 * Swift and reads through the importer's layout; these pin every field it reads, for the tests to compare. */
static const size_t CXEN_DOMAININFO_SIZE = sizeof(xc_domaininfo_t);
static const size_t CXEN_DOMAININFO_DOMAIN = offsetof(xc_domaininfo_t, domain);
static const size_t CXEN_DOMAININFO_FLAGS = offsetof(xc_domaininfo_t, flags);
static const size_t CXEN_DOMAININFO_TOT_PAGES = offsetof(xc_domaininfo_t, tot_pages);
static const size_t CXEN_DOMAININFO_SHARED_INFO_FRAME = offsetof(xc_domaininfo_t, shared_info_frame);
static const size_t CXEN_DOMAININFO_CPU_TIME = offsetof(xc_domaininfo_t, cpu_time);
static const size_t CXEN_DOMAININFO_MAX_VCPU_ID = offsetof(xc_domaininfo_t, max_vcpu_id);
static const size_t CXEN_DOMAININFO_HANDLE = offsetof(xc_domaininfo_t, handle);
static const size_t CXEN_DOMAININFO_EMULATION_FLAGS = offsetof(xc_domaininfo_t, arch_config.emulation_flags);

/* An HVM context (xc_domain_hvm_getcontext) is a run of hvm_save_descriptor-headed records; HVMContextRecords reads
 * it with hard-coded numbers, pinned here. HVM_SAVE_CODE() is a sizeof over a macro-built struct, which the importer
 * cannot evaluate. */
static const size_t CXEN_HVM_SAVE_DESCRIPTOR_SIZE = sizeof(struct hvm_save_descriptor);
static const size_t CXEN_HVM_HW_CPU_RAX = offsetof(struct hvm_hw_cpu, rax);
static const size_t CXEN_HVM_SAVE_CODE_END = HVM_SAVE_CODE(END);
static const size_t CXEN_HVM_SAVE_CODE_HEADER = HVM_SAVE_CODE(HEADER);
static const size_t CXEN_HVM_SAVE_CODE_CPU = HVM_SAVE_CODE(CPU);

/* ---- XEN_DOMCTL_getpageframeinfo3 for a batch of guest frames. ----
 * libxenctrl's own wrapper, xc_get_pfn_type_batch, is declared only in its private xc_private.h, and the domctl needs
 * its array in hypercall-safe memory, which only the DECLARE_HYPERCALL_BUFFER / set_xen_guest_handle macros (GNU
 * statement expressions over a hidden shadow variable) can set up: Swift can call neither. So the shim does what
 * xc_get_pfn_type_batch does. `words` holds the `num` frames on entry and, on success, each one's type word in
 * their place (unchanged on failure). Returns xc_domctl's result, with its errno (or the allocation's) kept across
 * the buffer's release. Like the resumedomain domctl the backend fills in Swift, it leaves interface_version to
 * xc_domctl, which stamps every domctl with the headers' XEN_DOMCTL_INTERFACE_VERSION. */
static inline int cxen_get_pfn_type_batch(xc_interface *xch, uint32_t domid, unsigned int num, xen_pfn_t *words) {
  DECLARE_HYPERCALL_BUFFER(xen_pfn_t, buffer);
  struct xen_domctl domctl;
  int rc, saved_errno;

  buffer = xc_hypercall_buffer_alloc(xch, buffer, sizeof(*buffer) * num);
  if (buffer == NULL)
    return -1;
  memcpy(buffer, words, sizeof(*buffer) * num);

  memset(&domctl, 0, sizeof(domctl));
  domctl.cmd = XEN_DOMCTL_getpageframeinfo3;
  domctl.domain = (domid_t)domid;
  domctl.u.getpageframeinfo3.num = num;
  set_xen_guest_handle(domctl.u.getpageframeinfo3.array, buffer);

  rc = xc_domctl(xch, &domctl);
  saved_errno = errno;
  if (rc >= 0)
    memcpy(words, buffer, sizeof(*buffer) * num);
  xc_hypercall_buffer_free(xch, buffer);
  errno = saved_errno;
  return rc;
}

/* ---- xc_domain_getinfo_single, libxenctrl's exact one-domain lookup (Xen 4.18 and later). ----
 * No macro announces it. __XEN_LATEST_INTERFACE_VERSION__ cannot tell: it stayed 0x00040e00 from 4.15 through 4.18
 * and is 0x00041300 on 4.19 and 4.20. XEN_DOMCTL_INTERFACE_VERSION, from the same libxen-dev, can: 4.18 raised it
 * from 0x15 to 0x16 in the release that added the function (and dropped xc_domain_getinfo), and no stable release
 * changes it (every tag from 4.15.0 to 4.22.0 agrees). The tests hold this answer against the symbols the loaded
 * libxenctrl really exports. */
#if XEN_DOMCTL_INTERFACE_VERSION >= 0x00000016
#define CXEN_HAS_DOMAIN_GETINFO_SINGLE 1
#else
#define CXEN_HAS_DOMAIN_GETINFO_SINGLE 0
#endif

/* The same answer for Swift as a function: Swift folds a macro or a static const and then warns that the other
 * branch never runs, which -warnings-as-errors turns into a build failure on one version or the other. */
static inline int cxen_has_domain_getinfo_single(void) { return CXEN_HAS_DOMAIN_GETINFO_SINGLE; }

/* Callable from Swift whichever libxenctrl is installed; without the function it names no symbol and fails with
 * ENOSYS (the backend checks cxen_has_domain_getinfo_single() first and uses xc_domain_getinfolist instead). */
static inline int cxen_domain_getinfo_single(xc_interface *xch, uint32_t domid, xc_domaininfo_t *info) {
#if CXEN_HAS_DOMAIN_GETINFO_SINGLE
  return xc_domain_getinfo_single(xch, domid, info);
#else
  (void)xch; (void)domid; (void)info;
  errno = ENOSYS;
  return -1;
#endif
}

#endif

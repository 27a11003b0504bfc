/*
 * rx-colo: one page of guest memory that dom0 rewrites while the guest is suspended, for the real-Xen labs' soft-reset
 * resume (the COLO case: a secondary whose memory the primary replaced, resumed as a new domain, must run on from
 * the replaced state, not from what it had before).
 *
 * It allocates one page, writes a known value into its first 8 bytes, locks it in place and prints once
 *
 *     RX-COLO gfn=0x1f2e3 value=0x5258434f4c4f3031
 *
 * (the page's guest frame number, from /proc/self/pagemap, which for PVH and PVHVM guests is the frame dom0 maps),
 * then, once a second, reads those 8 bytes and prints `RX-COLO value=0x...` whenever they changed. Nothing in the
 * guest writes the page again: a change can only come from dom0. On failure it prints `RX-COLO failed: WHY` and exits.
 *
 * The guest's /init starts it in the background when the kernel command line says rx_colo. Static (the guests'
 * initramfs has no C library), built by build.sh in the lab's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* "RXCOLO01" read as a big-endian number: easy to spot in a dump of the frame. */
#define FIRST_VALUE 0x5258434f4c4f3031ULL
#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_FRAME_MASK ((1ULL << 55) - 1)

/* One console line in one write, so it never interleaves with /init's counter lines. */
static void say(const char *format, ...) {
  char line[160];
  va_list arguments;
  va_start(arguments, format);
  int length = vsnprintf(line, sizeof line - 1, format, arguments);
  va_end(arguments);
  if (length < 0) return;
  if (length > (int)sizeof line - 2) length = sizeof line - 2;
  line[length++] = '\n';
  (void)write(STDOUT_FILENO, line, length);
}

/* Compaction may move even a locked page unless told not to; the frame dom0 writes must stay the page's. */
static void keep_locked_pages_in_place(void) {
  int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
  if (fd < 0) return; /* a kernel without compaction moves nothing */
  (void)write(fd, "0", 1);
  close(fd);
}

int main(void) {
  long size = sysconf(_SC_PAGESIZE);
  keep_locked_pages_in_place();
  volatile uint64_t *page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    say("RX-COLO failed: mmap: %s", strerror(errno));
    return 1;
  }
  /* The write gives the mapping a page of its own (until then it maps the shared zero page); mlock keeps it there. */
  *page = FIRST_VALUE;
  if (mlock((void *)page, size) != 0) {
    say("RX-COLO failed: mlock: %s", strerror(errno));
    return 1;
  }
  /* One 64-bit entry per virtual page; the frame number is shown only to a process with CAP_SYS_ADMIN (init is). */
  uint64_t entry = 0;
  int pagemap = open("/proc/self/pagemap", O_RDONLY);
  if (pagemap < 0 || pread(pagemap, &entry, sizeof entry, (off_t)((uintptr_t)page / size) * sizeof entry) != sizeof entry) {
    say("RX-COLO failed: /proc/self/pagemap: %s", strerror(errno));
    return 1;
  }
  close(pagemap);
  uint64_t frame = entry & PAGEMAP_FRAME_MASK;
  if (!(entry & PAGEMAP_PRESENT) || frame == 0) {
    say("RX-COLO failed: pagemap entry 0x%llx names no frame", (unsigned long long)entry);
    return 1;
  }
  uint64_t last = *page;
  say("RX-COLO gfn=0x%llx value=0x%016llx", (unsigned long long)frame, (unsigned long long)last);
  for (;;) {
    sleep(1);
    uint64_t now = *page;
    if (now != last) {
      say("RX-COLO value=0x%016llx", (unsigned long long)now);
      last = now;
    }
  }
}

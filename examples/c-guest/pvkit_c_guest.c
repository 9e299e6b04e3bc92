/*
 * pvkit_c_guest.c: a paravirtualized guest written in C that joins a running pvkit hypervisor as its own
 * process and uses a Xen virtual block device (vbd) through pvkit's blkback.
 *
 * It speaks only two ABIs:
 *   - pvkit's session and mailbox ABI (pv-process/src/main/c/pvkit_mailbox.h): how the guest gets its memory
 *     and how it makes hypercalls from a process instead of from a VM;
 *   - Xen's own public interface, from libxen-dev's headers in /usr/include/xen: the hypercall numbers and
 *     argument structs, start_info, shared_info and vcpu_info, grant table v1 entries, the xenstore ring and
 *     wire format, the xenbus states and the blkif ring.
 * Nothing else is shared with the hypervisor: no pvkit library, no JVM.
 *
 * What it does, in order (every wait has a timeout; a failure prints the step and what was answered, then
 * exits; progress lines go to stdout):
 *   1. connect to the hypervisor's Unix socket, send struct pvkit_hello, receive struct pvkit_welcome with
 *      the guest-memory and mailbox memfds, check their seals and sizes, map them;
 *   2. read start_info, map shared_info (XENMEM_add_to_physmap), set up the grant table
 *      (GNTTABOP_query_size, GNTTABOP_setup_table, XENMEM_add_to_physmap), enable event delivery;
 *   3. connect to xenstore over the store ring and event channel of start_info: read its own
 *      /local/domain/<domid>/domid and name, find its first vbd, watch the backend's state;
 *   4. walk the xenbus handshake as a blkif frontend: grant a ring page to the backend, allocate an unbound
 *      event channel for it, write ring-ref, event-channel and protocol with state Initialised in one
 *      transaction, wait for the backend's Connected, read the disk size, go Connected;
 *   5. per pass: write a pattern over a range of the disk with BLKIF_OP_WRITE (data pages granted read-only),
 *      BLKIF_OP_FLUSH_DISKCACHE, read the range back with BLKIF_OP_READ (pages granted writable), verify every
 *      byte;
 *   6. close the device (Closing, wait for the backend's Closed, Closed), revoke its grants, close its port,
 *      and power off with SCHEDOP_shutdown.
 *
 * Pointer arguments of hypercalls are guest-physical addresses (offsets into the guest memory), as for any
 * pvkit guest: this process builds its argument structs in its own memory and passes their addresses.
 *
 * Build:  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I ../../pv-process/src/main/c -o pvkit-c-guest pvkit_c_guest.c
 * Run:    pvkit-c-guest [options] SOCKET     (see usage() and README.md)
 * Exit:   0 every byte verified and powered off; 1 setup or protocol failure; 2 usage; 3 data mismatch;
 *         4 the backend answered a request with an error.
 */
#define _GNU_SOURCE
/* the Xen interface version whose definitions we use: 4.14, the latest that Xen 4.17's headers define */
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* io/ring.h leaves the memory barriers to the includer. On x86_64 loads are not reordered with loads, nor
 * stores with stores, so rmb/wmb only have to stop the compiler; mb orders stores before later loads. */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

#include "pvkit_mailbox.h"

#define PAGE_SIZE     4096u
#define SECTOR_SIZE   512u
#define SECTORS_PER_PAGE (PAGE_SIZE / SECTOR_SIZE)
#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* Our own use of guest memory (frames of [0, nr_pages)). */
#define SCRATCH_FRAME 0u  /* hypercall argument structs, one call at a time */
#define RING_FRAME    1u  /* the blkif shared ring */
#define DATA_FRAME    2u  /* first data page; QD * BLKIF_MAX_SEGMENTS_PER_REQUEST of them */

/* Our grant references: 0..7 are reserved (GNTTAB_NR_RESERVED_ENTRIES; pvkit uses 0 and 1 for the console
 * and xenstore pages), then the ring, then one per data page. */
#define RING_REF      GNTTAB_NR_RESERVED_ENTRIES
#define FIRST_DATA_REF (RING_REF + 1)

#define MAX_QUEUE_DEPTH 16u
#define POLL_SLICE_NS   50000000ull   /* each SCHEDOP_poll returns after at most 50 ms */

/* ------------------------------------------------------------------------------------------------------ */
/* Options and failure reporting                                                                          */

static struct {
    const char *socket;
    const char *name;
    uint64_t frames;         /* nr_pages asked for */
    uint64_t first_sector;   /* where the range starts on the disk */
    uint64_t kib;            /* range length per pass */
    uint64_t passes;         /* 0: until killed */
    unsigned queue_depth;    /* requests in flight */
    unsigned timeout_s;      /* bound of every wait */
    uint64_t seed;           /* pass p writes pattern seed + p */
} opt = { .name = "c-guest", .frames = 512, .first_sector = 128, .kib = 512, .passes = 1, .queue_depth = 4,
          .timeout_s = 10, .seed = 1 };

static void fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void fail(int status, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "pvkit-c-guest: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_after_timeout(void) {
    return now_ns() + (uint64_t)opt.timeout_s * 1000000000ull;
}

/* ------------------------------------------------------------------------------------------------------ */
/* The session: join the hypervisor and map what it hands over                                            */

static int session_fd = -1;              /* stays open for the life of the guest; closing it ends the domain */
static uint8_t *guest_mem;               /* guest-physical address 0 */
static uint64_t guest_bytes;
static struct pvkit_mailbox *mailbox;    /* vCPU 0's */
static uint32_t domid;
static uint64_t start_info_gpa;

static void *map_sealed(int fd, uint64_t bytes, const char *what) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
        fail(1, "%s: descriptor is not sealed against shrinking and growing (seals 0x%x)", what, seals);
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || (uint64_t)size != bytes)
        fail(1, "%s: descriptor holds %lld bytes, the welcome says %" PRIu64, what, (long long)size, bytes);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        fail(1, "%s: mmap: %s", what, strerror(errno));
    close(fd);
    return p;
}

static void join_hypervisor(void) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(opt.socket) >= sizeof(addr.sun_path))
        fail(2, "socket path too long: %s", opt.socket);
    strcpy(addr.sun_path, opt.socket);
    if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        fail(1, "connect %s: %s", opt.socket, strerror(errno));

    struct pvkit_hello hello = { .magic = PVKIT_SESSION_HELLO_MAGIC, .version = PVKIT_ABI_VERSION,
                                 .vcpus = 1, .frames = opt.frames };
    strncpy(hello.name, opt.name, sizeof(hello.name) - 1);
    if (send(s, &hello, sizeof(hello), MSG_NOSIGNAL) != (ssize_t)sizeof(hello))
        fail(1, "send hello: %s", strerror(errno));

    /* the welcome and both descriptors arrive in one message */
    struct pvkit_welcome welcome;
    union { struct cmsghdr align; char buf[CMSG_SPACE(2 * sizeof(int))]; } control;
    struct iovec iov = { .iov_base = &welcome, .iov_len = sizeof(welcome) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    struct pollfd pfd = { .fd = s, .events = POLLIN };
    if (poll(&pfd, 1, (int)opt.timeout_s * 1000) != 1)
        fail(1, "no welcome from the hypervisor within %u s", opt.timeout_s);
    ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    if (n != (ssize_t)sizeof(welcome))
        fail(1, "welcome: got %zd bytes: %s", n, n < 0 ? strerror(errno) : "short read");
    if (welcome.magic != PVKIT_SESSION_WELCOME_MAGIC || welcome.version != PVKIT_ABI_VERSION)
        fail(1, "welcome: bad magic 0x%x or version %u", welcome.magic, welcome.version);
    if (welcome.status != 0)
        fail(1, "the hypervisor refused this guest: %s", strerror(-welcome.status));
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
            || cmsg->cmsg_len != CMSG_LEN(2 * sizeof(int)))
        fail(1, "welcome: no guest-memory and mailbox descriptors");
    int fds[2];
    memcpy(fds, CMSG_DATA(cmsg), sizeof(fds));
    if (welcome.frames < opt.frames || welcome.frames > (1u << 24) || welcome.mailbox_bytes != PVKIT_MAILBOX_PAGE_BYTES)
        fail(1, "welcome: %" PRIu64 " frames, %" PRIu64 " mailbox bytes", welcome.frames, welcome.mailbox_bytes);

    guest_bytes = welcome.frames * PAGE_SIZE;
    guest_mem = map_sealed(fds[0], guest_bytes, "guest memory");
    uint8_t *page = map_sealed(fds[1], welcome.mailbox_bytes, "mailbox page");
    struct pvkit_mailbox_page_header *hdr = (void *)page;
    /* ORDERING: acquire; the hypervisor stores the magic last */
    if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) != PVKIT_MAILBOX_MAGIC || hdr->nr_vcpus < 1
            || hdr->domid != welcome.domid)
        fail(1, "mailbox page: bad magic, no vCPU, or domain %u instead of %u", hdr->domid, welcome.domid);
    mailbox = (void *)(page + PVKIT_MAILBOX_OFFSET(0));
    session_fd = s;
    domid = welcome.domid;
    start_info_gpa = welcome.start_info_gpa;
}

/* The address in this process of a guest-physical range, checked against the guest memory. */
static void *gpa_ptr(uint64_t gpa, uint64_t len) {
    if (gpa > guest_bytes || len > guest_bytes - gpa)
        fail(1, "guest-physical range 0x%" PRIx64 "+%" PRIu64 " lies outside the guest memory", gpa, len);
    return guest_mem + gpa;
}

static void *frame_ptr(uint64_t gfn) {
    return gpa_ptr(gfn * PAGE_SIZE, PAGE_SIZE);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Hypercalls through the mailbox (pvkit_mailbox.h, "Hypercall")                                          */

static uint32_t mailbox_seq;
static uint64_t hypercalls_made;
/* The longest a hypercall may take: SCHEDOP_poll waits at most POLL_SLICE_NS; the rest is generous slack for
 * a loaded machine. A hypervisor that does not answer within it is broken: we give up. */
#define HYPERCALL_TIMEOUT_NS 30000000000ull

/* True when the session socket reached end of stream: the hypervisor is gone. */
static int hypervisor_gone(void) {
    struct pollfd pfd = { .fd = session_fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 1;   /* the socket is silent while the session lives: readable means closed */
}

static int64_t hypercall(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
    struct pvkit_mailbox *mb = mailbox;
    uint32_t seq = ++mailbox_seq;
    mb->op = op;
    mb->args[0] = a1; mb->args[1] = a2; mb->args[2] = a3; mb->args[3] = a4; mb->args[4] = a5;
    mb->seq = seq;
    /* ORDERING: release; op, args and seq are visible before REQUEST (pairs with the hypervisor's acquire) */
    __atomic_store_n(&mb->state, PVKIT_MAILBOX_REQUEST, __ATOMIC_RELEASE);
    hypercalls_made++;

    /* Wait for RESPONSE: spin briefly (most calls take microseconds), then sleep with exponential backoff
     * from 1 us to 1 ms, checking that the hypervisor is still there; bounded by HYPERCALL_TIMEOUT_NS. */
    uint64_t deadline = 0;
    long sleep_ns = 1000;
    for (unsigned spins = 0;; spins++) {
        /* ORDERING: acquire; pairs with the hypervisor's release store of RESPONSE */
        if (__atomic_load_n(&mb->state, __ATOMIC_ACQUIRE) == PVKIT_MAILBOX_RESPONSE)
            break;
        if (__atomic_load_n(&mb->gone, __ATOMIC_ACQUIRE) & PVKIT_GONE_HYPERVISOR)
            return -ENODEV;
        if (spins < 1000) {
            __builtin_ia32_pause();
            continue;
        }
        if (deadline == 0)
            deadline = now_ns() + HYPERCALL_TIMEOUT_NS;
        else if (now_ns() > deadline)
            fail(1, "hypercall %" PRIu64 " got no answer within %llu s", op, HYPERCALL_TIMEOUT_NS / 1000000000ull);
        if (hypervisor_gone())
            fail(1, "the hypervisor closed the session during hypercall %" PRIu64, op);
        struct timespec ts = { 0, sleep_ns };
        nanosleep(&ts, NULL);
        if (sleep_ns < 1000000)
            sleep_ns *= 2;
    }
    int64_t result = mb->result;
    if (mb->rsp_seq != seq)
        result = -EIO;
    __atomic_store_n(&mb->state, PVKIT_MAILBOX_IDLE, __ATOMIC_RELEASE);
    return result;
}

/* Hypercall argument structs live in the scratch frame; a call's argument is its guest-physical address. */
static void *scratch(size_t bytes) {
    void *p = frame_ptr(SCRATCH_FRAME);
    memset(p, 0, bytes);
    return p;
}

static const uint64_t SCRATCH_GPA = (uint64_t)SCRATCH_FRAME * PAGE_SIZE;

static int64_t evtchn_op(int cmd) {
    return hypercall(__HYPERVISOR_event_channel_op, (uint64_t)cmd, SCRATCH_GPA, 0, 0, 0);
}

static void notify(evtchn_port_t port) {
    struct evtchn_send *send = scratch(sizeof(*send));
    send->port = port;
    int64_t rc = evtchn_op(EVTCHNOP_send);
    if (rc != 0)
        fail(1, "EVTCHNOP_send(port %u): %" PRId64, port, rc);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Boot: start_info, shared_info, grant table                                                             */

static start_info_t start_info;          /* our copy, read once */
static struct shared_info *shared;
static grant_entry_v1_t *grant_table;
static uint32_t grant_entries;

static void read_start_info(void) {
    memcpy(&start_info, gpa_ptr(start_info_gpa, sizeof(start_info)), sizeof(start_info));
    if (strncmp(start_info.magic, "xen-3.0-x86_64", 14) != 0)
        fail(1, "start_info: magic is '%.32s', not xen-3.0-x86_64", start_info.magic);
    uint64_t total = guest_bytes / PAGE_SIZE;
    uint64_t needed = DATA_FRAME + (uint64_t)opt.queue_depth * BLKIF_MAX_SEGMENTS_PER_REQUEST;
    if (start_info.nr_pages < needed || start_info.nr_pages > total
            || start_info.shared_info % PAGE_SIZE != 0 || start_info.shared_info / PAGE_SIZE >= total
            || start_info.store_mfn >= total)
        fail(1, "start_info: nr_pages %lu (we need %" PRIu64 "), shared_info 0x%lx, store frame %" PRIu64
             " do not fit %" PRIu64 " frames", start_info.nr_pages, needed, start_info.shared_info,
             (uint64_t)start_info.store_mfn, total);
}

static void map_shared_info(void) {
    /* pvkit's start_info.shared_info is the guest-physical address of the page */
    struct xen_add_to_physmap *map = scratch(sizeof(*map));
    map->domid = DOMID_SELF;
    map->space = XENMAPSPACE_shared_info;
    map->idx = 0;
    map->gpfn = start_info.shared_info / PAGE_SIZE;
    int64_t rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, SCRATCH_GPA, 0, 0, 0);
    if (rc != 0)
        fail(1, "XENMEM_add_to_physmap(shared_info): %" PRId64, rc);
    shared = frame_ptr(start_info.shared_info / PAGE_SIZE);
}

static void setup_grant_table(void) {
    struct gnttab_query_size *q = scratch(sizeof(*q));
    q->dom = DOMID_SELF;
    int64_t rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, SCRATCH_GPA, 1, 0, 0);
    if (rc != 0 || q->status != GNTST_okay || q->max_nr_frames < 1)
        fail(1, "GNTTABOP_query_size: rc %" PRId64 ", status %d, max %u frames", rc, q->status, q->max_nr_frames);

    /* one frame holds 512 v1 entries: more than this guest needs */
    struct gnttab_setup_table *st = scratch(sizeof(*st) + sizeof(xen_pfn_t));
    xen_pfn_t *frame_list = (xen_pfn_t *)(st + 1);
    st->dom = DOMID_SELF;
    st->nr_frames = 1;
    set_xen_guest_handle(st->frame_list, (xen_pfn_t *)(uintptr_t)(SCRATCH_GPA + sizeof(*st)));
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, SCRATCH_GPA, 1, 0, 0);
    if (rc != 0 || st->status != GNTST_okay)
        fail(1, "GNTTABOP_setup_table: rc %" PRId64 ", status %d", rc, st->status);
    xen_pfn_t frame = frame_list[0];
    if (frame < start_info.nr_pages || frame >= guest_bytes / PAGE_SIZE)
        fail(1, "GNTTABOP_setup_table: frame %" PRIu64 " is not one of the special frames", (uint64_t)frame);

    struct xen_add_to_physmap *map = scratch(sizeof(*map));
    map->domid = DOMID_SELF;
    map->space = XENMAPSPACE_grant_table;
    map->idx = 0;
    map->gpfn = frame;
    rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, SCRATCH_GPA, 0, 0, 0);
    if (rc != 0)
        fail(1, "XENMEM_add_to_physmap(grant_table): %" PRId64, rc);
    grant_table = frame_ptr(frame);
    grant_entries = PAGE_SIZE / sizeof(grant_entry_v1_t);
}

/* Grants domain `to` access to frame `gfn` under reference `ref` (grant_table.h, "Introducing a valid
 * entry"): domid and frame first, then, after a write barrier, the flags that make the entry valid. */
static void grant_access(grant_ref_t ref, domid_t to, uint64_t gfn, int readonly) {
    grant_entry_v1_t *e = &grant_table[ref];
    if (ref >= grant_entries || __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) != 0)
        fail(1, "grant reference %u is out of range or still in use", ref);
    e->domid = to;
    e->frame = (uint32_t)gfn;
    /* ORDERING: release; domid and frame are visible before the entry becomes valid */
    __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)), __ATOMIC_RELEASE);
}

/* Revokes a grant ("Invalidating an unused GTF_permit_access entry"): only once the hypervisor no longer
 * has it mapped for reading or writing, atomically. Returns 0, or -EBUSY while it is still in use. */
static int end_access(grant_ref_t ref) {
    uint16_t *flags = &grant_table[ref].flags;
    uint16_t f = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
    do {
        if (f & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(flags, &f, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return 0;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Events: waiting with SCHEDOP_poll, consuming with the 2-level bitmaps                                  */

/* The system time of the pvclock in our vcpu_info (xen.h, struct vcpu_time_info). pvkit's "TSC" is the host's
 * CLOCK_MONOTONIC in nanoseconds (the hypervisor's System.nanoTime()); the scaling is Xen's. */
static uint64_t system_time_ns(void) {
    struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t version;
    uint64_t tsc_timestamp, system_time;
    uint32_t mul;
    int8_t shift;
    do {
        version = __atomic_load_n(&t->version, __ATOMIC_ACQUIRE);
        tsc_timestamp = t->tsc_timestamp;
        system_time = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != __atomic_load_n(&t->version, __ATOMIC_RELAXED));
    uint64_t delta = now_ns() - tsc_timestamp;
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static uint64_t events_seen;

/* Consumes every pending, unmasked event the hypervisor flagged for vCPU 0 (the upcall a kernel's handler
 * would run): evtchn_upcall_pending, then the selector word, then the pending bits it selects. Plus the
 * given ports directly (pending bits of masked ports are not selected, and SCHEDOP_poll looks at them). Our
 * drivers need no per-port handler: after each wake-up they look at their rings again. */
static void consume_events(const evtchn_port_t *ports, unsigned nr) {
    struct vcpu_info *vi = &shared->vcpu_info[0];
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&mailbox->upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned word = (unsigned)__builtin_ctzl(sel);
        sel &= sel - 1;
        xen_ulong_t bits = __atomic_load_n(&shared->evtchn_pending[word], __ATOMIC_ACQUIRE)
                & ~__atomic_load_n(&shared->evtchn_mask[word], __ATOMIC_ACQUIRE);
        if (bits) {
            __atomic_fetch_and(&shared->evtchn_pending[word], ~bits, __ATOMIC_SEQ_CST);
            events_seen += (uint64_t)__builtin_popcountl(bits);
        }
    }
    for (unsigned i = 0; i < nr; i++) {
        xen_ulong_t bit = 1ul << (ports[i] % 64);
        if (__atomic_fetch_and(&shared->evtchn_pending[ports[i] / 64], ~bit, __ATOMIC_SEQ_CST) & bit)
            events_seen++;
    }
}

/* Sleeps in SCHEDOP_poll until one of `ports` is pending, an upcall is due, or POLL_SLICE_NS passes; then
 * consumes the events. Callers loop on their own condition with their own deadline. */
static void wait_for_event(const evtchn_port_t *ports, unsigned nr) {
    struct sched_poll *p = scratch(sizeof(*p) + nr * sizeof(evtchn_port_t));
    memcpy(p + 1, ports, nr * sizeof(evtchn_port_t));
    set_xen_guest_handle(p->ports, (evtchn_port_t *)(uintptr_t)(SCRATCH_GPA + sizeof(*p)));
    p->nr_ports = nr;
    p->timeout = system_time_ns() + POLL_SLICE_NS;    /* absolute system time */
    int64_t rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, SCRATCH_GPA, 0, 0, 0);
    if (rc != 0)
        fail(1, "SCHEDOP_poll: %" PRId64, rc);
    consume_events(ports, nr);
}

/* A port number the 2-level bitmaps can hold (EVTCHN_2L_NR_CHANNELS), or a failure naming it. */
static evtchn_port_t checked_port(uint64_t port, const char *what) {
    if (port >= sizeof(shared->evtchn_pending) * 8)
        fail(1, "%s: port %" PRIu64 " is beyond the 2-level event channel bitmaps", what, port);
    return (evtchn_port_t)port;
}

static void unmask(evtchn_port_t port) {
    struct evtchn_unmask *u = scratch(sizeof(*u));
    u->port = port;
    int64_t rc = evtchn_op(EVTCHNOP_unmask);
    if (rc != 0)
        fail(1, "EVTCHNOP_unmask(port %u): %" PRId64, port, rc);
}

/* ------------------------------------------------------------------------------------------------------ */
/* xenstore client over the store ring (io/xs_wire.h, docs/misc/xenstore.txt)                            */

static struct xenstore_domain_interface *xs_ring;
static evtchn_port_t store_port;
static uint32_t xs_next_req_id = 1;

/* The message being received: header, then up to XENSTORE_PAYLOAD_MAX bytes (and a NUL we add). */
static struct { struct xsd_sockmsg hdr; char body[XENSTORE_PAYLOAD_MAX + 1]; } xs_in;
static uint32_t xs_in_have;          /* bytes of xs_in received so far */
static int xs_reply_ready;           /* xs_in holds the reply to our request */
static int xs_watch_fired;           /* a watch event arrived since the flag was cleared */

/* Moves whatever the daemon has written from the response ring into xs_in; records watch events and marks a
 * reply complete. Never blocks. */
static void xs_pump(void) {
    int moved = 0;
    while (!xs_reply_ready) {
        /* ORDERING: acquire; the bytes are written before rsp_prod */
        XENSTORE_RING_IDX prod = __atomic_load_n(&xs_ring->rsp_prod, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX cons = xs_ring->rsp_cons;
        if (prod - cons > XENSTORE_RING_SIZE)
            fail(1, "xenstore: response ring indexes are corrupt (prod %u, cons %u)", prod, cons);
        if (prod == cons)
            break;
        uint32_t want = xs_in_have < sizeof(xs_in.hdr) ? (uint32_t)sizeof(xs_in.hdr) - xs_in_have
                                                       : (uint32_t)sizeof(xs_in.hdr) + xs_in.hdr.len - xs_in_have;
        uint32_t avail = prod - cons;
        uint32_t n = want < avail ? want : avail;
        for (uint32_t i = 0; i < n; i++)
            ((char *)&xs_in)[xs_in_have + i] = xs_ring->rsp[MASK_XENSTORE_IDX(cons + i)];
        xs_in_have += n;
        /* ORDERING: release; we read the bytes before handing the space back */
        __atomic_store_n(&xs_ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        moved = 1;
        if (xs_in_have == sizeof(xs_in.hdr) && xs_in.hdr.len > XENSTORE_PAYLOAD_MAX)
            fail(1, "xenstore: message of %u bytes", xs_in.hdr.len);
        if (xs_in_have >= sizeof(xs_in.hdr) && xs_in_have == sizeof(xs_in.hdr) + xs_in.hdr.len) {
            xs_in.body[xs_in.hdr.len] = '\0';
            if (xs_in.hdr.type == XS_WATCH_EVENT) {
                xs_watch_fired = 1;
                xs_in_have = 0;
            } else {
                xs_reply_ready = 1;
            }
        }
    }
    if (moved)
        notify(store_port);    /* the daemon may be waiting for space */
}

/* Writes bytes into the request ring, waiting for space (bounded). */
static void xs_put(const void *data, uint32_t len, uint64_t deadline) {
    const char *p = data;
    while (len > 0) {
        XENSTORE_RING_IDX cons = __atomic_load_n(&xs_ring->req_cons, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX prod = xs_ring->req_prod;
        if (prod - cons > XENSTORE_RING_SIZE)
            fail(1, "xenstore: request ring indexes are corrupt (prod %u, cons %u)", prod, cons);
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
        if (space == 0) {
            if (now_ns() > deadline)
                fail(1, "xenstore: no room in the request ring within %u s", opt.timeout_s);
            xs_pump();
            wait_for_event(&store_port, 1);
            continue;
        }
        uint32_t n = len < space ? len : space;
        for (uint32_t i = 0; i < n; i++)
            xs_ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        /* ORDERING: release; the bytes are visible before req_prod */
        __atomic_store_n(&xs_ring->req_prod, prod + n, __ATOMIC_RELEASE);
        notify(store_port);
        p += n;
        len -= n;
    }
}

/* The errno of an XS_ERROR reply, by name, from xs_wire.h's table. */
static int xs_errno(const char *name) {
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(name, xsd_errors[i].errstring) == 0)
            return xsd_errors[i].errnum;
    return EIO;
}

/* One request and its reply. The payload is given as `nparts` strings, each sent with its NUL except the last
 * when `last_nul` is 0 (XS_WRITE's value). Returns 0 with the reply in *reply (NUL-terminated, *len bytes),
 * or -errno from an XS_ERROR reply. */
static int xs_request(enum xsd_sockmsg_type type, uint32_t tx, int last_nul, const char **reply, uint32_t *len,
                      unsigned nparts, ...) {
    const char *parts[4];
    uint32_t total = 0;
    va_list ap;
    va_start(ap, nparts);
    for (unsigned i = 0; i < nparts && i < 4; i++) {
        parts[i] = va_arg(ap, const char *);
        total += (uint32_t)strlen(parts[i]) + (i + 1 < nparts || last_nul ? 1 : 0);
    }
    va_end(ap);
    if (nparts > 4 || total > XENSTORE_PAYLOAD_MAX)
        fail(1, "xenstore: request too large");
    struct xsd_sockmsg hdr = { .type = type, .req_id = xs_next_req_id++, .tx_id = tx, .len = total };
    uint64_t deadline = deadline_after_timeout();
    xs_put(&hdr, sizeof(hdr), deadline);
    for (unsigned i = 0; i < nparts; i++)
        xs_put(parts[i], (uint32_t)strlen(parts[i]) + (i + 1 < nparts || last_nul ? 1 : 0), deadline);

    for (;;) {
        xs_pump();
        if (xs_reply_ready)
            break;
        if (now_ns() > deadline)
            fail(1, "xenstore: no reply to request type %d within %u s", type, opt.timeout_s);
        wait_for_event(&store_port, 1);
    }
    xs_reply_ready = 0;
    xs_in_have = 0;
    if (xs_in.hdr.req_id != hdr.req_id)
        fail(1, "xenstore: reply to request %u while waiting for %u", xs_in.hdr.req_id, hdr.req_id);
    if (xs_in.hdr.type == XS_ERROR)
        return -xs_errno(xs_in.body);
    if (xs_in.hdr.type != type)
        fail(1, "xenstore: reply of type %u to a request of type %d", xs_in.hdr.type, type);
    if (reply)
        *reply = xs_in.body;
    if (len)
        *len = xs_in.hdr.len;
    return 0;
}

/* Reads a node into buf; returns 0 or -errno. */
static int xs_read(const char *path, char *buf, size_t size) {
    const char *v;
    uint32_t n;
    int rc = xs_request(XS_READ, 0, 1, &v, &n, 1, path);
    if (rc == 0) {
        if (n >= size)
            fail(1, "xenstore: %s holds %u bytes", path, n);
        memcpy(buf, v, n);
        buf[n] = '\0';
    }
    return rc;
}

static void xs_read_must(const char *path, char *buf, size_t size) {
    int rc = xs_read(path, buf, size);
    if (rc != 0)
        fail(1, "xenstore: read %s: %s", path, strerror(-rc));
}

/* Reads a decimal number; returns `absent` when the node does not exist. Fails on anything else. */
static uint64_t xs_read_number(const char *path, uint64_t absent) {
    char buf[32];
    int rc = xs_read(path, buf, sizeof(buf));
    if (rc == -ENOENT)
        return absent;
    if (rc != 0)
        fail(1, "xenstore: read %s: %s", path, strerror(-rc));
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || *end != '\0')
        fail(1, "xenstore: %s is '%s', not a number", path, buf);
    return v;
}

static int xs_write(uint32_t tx, const char *path, const char *value) {
    return xs_request(XS_WRITE, tx, 0, NULL, NULL, 2, path, value);
}

static void xs_write_must(const char *path, const char *value) {
    int rc = xs_write(0, path, value);
    if (rc != 0)
        fail(1, "xenstore: write %s: %s", path, strerror(-rc));
}

static void connect_xenstore(void) {
    xs_ring = frame_ptr(start_info.store_mfn);
    store_port = checked_port(start_info.store_evtchn, "start_info.store_evtchn");
    /* domain 0's xenstored binds the store port when the toolstack introduces us: wait until it has */
    uint64_t deadline = deadline_after_timeout();
    for (;;) {
        struct evtchn_status *st = scratch(sizeof(*st));
        st->dom = DOMID_SELF;
        st->port = store_port;
        int64_t rc = evtchn_op(EVTCHNOP_status);
        if (rc != 0)
            fail(1, "EVTCHNOP_status(store port %u): %" PRId64, store_port, rc);
        if (st->status == EVTCHNSTAT_interdomain)
            break;
        if (st->status != EVTCHNSTAT_unbound)
            fail(1, "store port %u has status %u, not an interdomain channel", store_port, st->status);
        if (now_ns() > deadline)
            fail(1, "xenstore: no daemon bound the store port %u within %u s", store_port, opt.timeout_s);
        wait_for_event(&store_port, 1);
    }
    unmask(store_port);
}

/* ------------------------------------------------------------------------------------------------------ */
/* The block frontend: xenbus handshake                                                                   */

static char home[64];                    /* /local/domain/<domid> */
static char front[128];                  /* its vbd's frontend directory */
static char back[256];                   /* the backend directory, as the frontend's "backend" node says */
static domid_t backend_id;
static uint32_t vdev;
static uint64_t disk_sectors;
static int disk_flush;                   /* feature-flush-cache */
static evtchn_port_t blk_port;
static blkif_front_ring_t blk_ring;

static const char *path_of(char *buf, size_t size, const char *dir, const char *key) {
    if ((size_t)snprintf(buf, size, "%s/%s", dir, key) >= size)
        fail(1, "xenstore path %s/%s too long", dir, key);
    return buf;
}

/* Reads a xenbus state node (absent: Unknown); fails on a value that is not a state. */
static XenbusState read_state(const char *dir) {
    char path[300];
    uint64_t v = xs_read_number(path_of(path, sizeof(path), dir, "state"), XenbusStateUnknown);
    if (v > XenbusStateReconfigured)
        fail(1, "xenstore: %s/state is %" PRIu64 ", not a xenbus state", dir, v);
    return (XenbusState)v;
}

static void set_state(XenbusState state) {
    char path[300], value[4];
    snprintf(value, sizeof(value), "%d", state);
    xs_write_must(path_of(path, sizeof(path), front, "state"), value);
}

/* Waits (bounded) until the backend's state is one of `mask` (bits 1 << XenbusState); re-reads it whenever
 * our watch on it fires. Returns the state. */
static XenbusState await_backend(unsigned mask, const char *what) {
    uint64_t deadline = deadline_after_timeout();
    XenbusState state = XenbusStateUnknown;
    xs_watch_fired = 1;                   /* read it once to begin with */
    for (;;) {
        xs_pump();
        if (xs_watch_fired) {
            xs_watch_fired = 0;
            state = read_state(back);
            if (mask & (1u << state))
                return state;
        }
        if (now_ns() > deadline)
            fail(1, "backend %s stayed in state %d; waited %u s for %s", back, state, opt.timeout_s, what);
        wait_for_event(&store_port, 1);
    }
}

/* Fails with the backend's error node when it gave up on the device. */
static void backend_failed(XenbusState state) {
    char path[300], error[2100] = "";   /* a node holds at most 2048 bytes */
    xs_read(path_of(path, sizeof(path), back, "error"), error, sizeof(error));
    fail(1, "backend %s went to state %d: %s", back, state, error[0] ? error : "(no error node)");
}

static void find_disk(void) {
    char path[128], value[256];
    const char *list;
    uint32_t len;
    snprintf(home, sizeof(home), "/local/domain/%u", domid);

    /* who are we: our home's domid and name, as the toolstack wrote them */
    xs_read_must(path_of(path, sizeof(path), home, "domid"), value, sizeof(value));
    if (strtoul(value, NULL, 10) != domid)
        fail(1, "xenstore: %s/domid is %s, but the hypervisor said %u", home, value, domid);
    char name[64];
    xs_read_must(path_of(path, sizeof(path), home, "name"), name, sizeof(name));

    /* our first vbd */
    int rc = xs_request(XS_DIRECTORY, 0, 1, &list, &len, 1, path_of(path, sizeof(path), home, "device/vbd"));
    if (rc != 0 || len == 0 || list[0] == '\0')
        fail(1, "xenstore: no disk under %s/device/vbd (%s): start the hypervisor with a disk for this guest",
             home, rc ? strerror(-rc) : "empty");
    vdev = (uint32_t)strtoul(list, NULL, 10);
    snprintf(front, sizeof(front), "%s/device/vbd/%u", home, vdev);
    xs_read_must(path_of(path, sizeof(path), front, "backend"), back, sizeof(back));
    uint64_t id = xs_read_number(path_of(path, sizeof(path), front, "backend-id"), 0);
    if (id >= DOMID_FIRST_RESERVED)
        fail(1, "xenstore: backend-id %" PRIu64 " is not a domain", id);
    backend_id = (domid_t)id;
    printf("pvkit-c-guest: domain %u (%s): vbd %u, backend %s in domain %u\n", domid, name, vdev, back, backend_id);

    /* watch the backend's state; the watch fires once now and then on every change */
    char watch[300];
    rc = xs_request(XS_WATCH, 0, 1, NULL, NULL, 2, path_of(watch, sizeof(watch), back, "state"), "backend");
    if (rc != 0)
        fail(1, "xenstore: watch %s: %s", watch, strerror(-rc));
}

static void connect_disk(void) {
    char path[300], value[32];
    XenbusState s = await_backend(1u << XenbusStateInitWait | 1u << XenbusStateInitialised
                                  | 1u << XenbusStateConnected | 1u << XenbusStateClosing
                                  | 1u << XenbusStateClosed, "InitWait");
    if (s == XenbusStateClosing || s == XenbusStateClosed)
        backend_failed(s);

    /* the ring: one page, granted read-write to the backend */
    blkif_sring_t *sring = frame_ptr(RING_FRAME);
    memset(sring, 0, PAGE_SIZE);
    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&blk_ring, sring, PAGE_SIZE);
    grant_access(RING_REF, backend_id, RING_FRAME, 0);

    /* an unbound port the backend binds to */
    struct evtchn_alloc_unbound *a = scratch(sizeof(*a));
    a->dom = DOMID_SELF;
    a->remote_dom = backend_id;
    int64_t rc = evtchn_op(EVTCHNOP_alloc_unbound);
    if (rc != 0)
        fail(1, "EVTCHNOP_alloc_unbound(remote %u): %" PRId64, backend_id, rc);
    blk_port = checked_port(a->port, "EVTCHNOP_alloc_unbound");
    unmask(blk_port);

    /* publish them with state Initialised in one transaction, retrying when it conflicts (EAGAIN) */
    for (int attempt = 0;; attempt++) {
        const char *reply;
        if (xs_request(XS_TRANSACTION_START, 0, 1, &reply, NULL, 1, "") != 0)
            fail(1, "xenstore: transaction start failed");
        uint32_t tx = (uint32_t)strtoul(reply, NULL, 10);
        snprintf(value, sizeof(value), "%u", RING_REF);
        int err = xs_write(tx, path_of(path, sizeof(path), front, "ring-ref"), value);
        snprintf(value, sizeof(value), "%u", blk_port);
        err = err ? err : xs_write(tx, path_of(path, sizeof(path), front, "event-channel"), value);
        err = err ? err : xs_write(tx, path_of(path, sizeof(path), front, "protocol"), XEN_IO_PROTO_ABI_X86_64);
        err = err ? err : xs_write(tx, path_of(path, sizeof(path), front, "feature-persistent"), "0");
        snprintf(value, sizeof(value), "%d", XenbusStateInitialised);
        err = err ? err : xs_write(tx, path_of(path, sizeof(path), front, "state"), value);
        int end = xs_request(XS_TRANSACTION_END, tx, 1, NULL, NULL, 1, err ? "F" : "T");
        if (err == 0 && end == 0)
            break;
        if ((err == 0 && end == -EAGAIN) && attempt < 10)
            continue;
        fail(1, "xenstore: publishing the ring failed: %s", strerror(err ? -err : -end));
    }

    s = await_backend(1u << XenbusStateConnected | 1u << XenbusStateClosing | 1u << XenbusStateClosed,
                      "Connected");
    if (s != XenbusStateConnected)
        backend_failed(s);
    /* the geometry, read once now that the backend is connected */
    disk_sectors = xs_read_number(path_of(path, sizeof(path), back, "sectors"), 0);
    uint64_t sector_size = xs_read_number(path_of(path, sizeof(path), back, "sector-size"), SECTOR_SIZE);
    uint64_t info = xs_read_number(path_of(path, sizeof(path), back, "info"), 0);
    disk_flush = xs_read_number(path_of(path, sizeof(path), back, "feature-flush-cache"), 0) == 1;
    if (sector_size != SECTOR_SIZE)
        fail(1, "backend sector-size is %" PRIu64 "; this example handles 512 only", sector_size);
    if (info & VDISK_READONLY)
        fail(1, "the disk is read-only; this example writes to it");
    if (opt.first_sector + opt.kib * 2 > disk_sectors)
        fail(1, "sectors [%" PRIu64 ", %" PRIu64 ") lie beyond the disk's %" PRIu64, opt.first_sector,
             opt.first_sector + opt.kib * 2, disk_sectors);
    set_state(XenbusStateConnected);
}

static void disconnect_disk(void) {
    set_state(XenbusStateClosing);
    await_backend(1u << XenbusStateClosed, "Closed");
    set_state(XenbusStateClosed);

    /* the backend unmapped the ring when it closed: take the page back */
    uint64_t deadline = deadline_after_timeout();
    while (end_access(RING_REF) != 0) {
        if (now_ns() > deadline)
            fail(1, "the backend still maps the ring page %u s after it closed", opt.timeout_s);
        wait_for_event(&store_port, 1);
    }
    struct evtchn_close *c = scratch(sizeof(*c));
    c->port = blk_port;
    int64_t rc = evtchn_op(EVTCHNOP_close);
    if (rc != 0)
        fail(1, "EVTCHNOP_close(%u): %" PRId64, blk_port, rc);
    char path[300];
    rc = xs_request(XS_UNWATCH, 0, 1, NULL, NULL, 2, path_of(path, sizeof(path), back, "state"), "backend");
    if (rc != 0)
        fail(1, "xenstore: unwatch: %s", strerror((int)-rc));
}

/* ------------------------------------------------------------------------------------------------------ */
/* The block frontend: requests                                                                           */

/* The pattern: the 8-byte little-endian word at disk byte offset `off` (a multiple of 8) for seed `seed`
 * (splitmix64 of both). A misplaced, stale or torn sector reads back different. */
static uint64_t pattern_word(uint64_t off, uint64_t seed) {
    uint64_t z = off + seed * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One slot per request in flight; slot i owns data pages and grant references [i * 11, i * 11 + 11). */
static struct slot {
    int busy;
    uint8_t op;
    uint8_t pages;
    uint64_t sector;
} slots[MAX_QUEUE_DEPTH];

static struct { uint64_t requests, bytes_written, bytes_read, flushes; } io;

static uint64_t slot_page(unsigned slot, unsigned i) {
    return DATA_FRAME + (uint64_t)slot * BLKIF_MAX_SEGMENTS_PER_REQUEST + i;
}

static grant_ref_t slot_ref(unsigned slot, unsigned i) {
    return (grant_ref_t)(FIRST_DATA_REF + slot * BLKIF_MAX_SEGMENTS_PER_REQUEST + i);
}

/* Queues one request in a free slot: `pages` whole pages from `sector` (READ, WRITE), or a flush. */
static void submit(unsigned slot, uint8_t op, uint64_t sector, unsigned pages, uint64_t seed) {
    struct slot *s = &slots[slot];
    blkif_request_t *req = RING_GET_REQUEST(&blk_ring, blk_ring.req_prod_pvt);
    memset(req, 0, sizeof(*req));
    req->operation = op;
    req->nr_segments = (uint8_t)pages;
    req->handle = (blkif_vdev_t)vdev;
    req->id = slot;
    req->sector_number = sector;
    for (unsigned i = 0; i < pages; i++) {
        uint64_t gfn = slot_page(slot, i);
        if (op == BLKIF_OP_WRITE) {
            uint64_t *words = frame_ptr(gfn);
            uint64_t base = (sector + (uint64_t)i * SECTORS_PER_PAGE) * SECTOR_SIZE;
            for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
                words[w] = pattern_word(base + 8u * w, seed);
        }
        /* WRITE: the backend only reads our page; READ: it writes it */
        grant_access(slot_ref(slot, i), backend_id, gfn, op == BLKIF_OP_WRITE);
        req->seg[i].gref = slot_ref(slot, i);
        req->seg[i].first_sect = 0;
        req->seg[i].last_sect = SECTORS_PER_PAGE - 1;
    }
    blk_ring.req_prod_pvt++;
    *s = (struct slot){ .busy = 1, .op = op, .pages = (uint8_t)pages, .sector = sector };
    io.requests++;
}

static void push_requests(void) {
    int notify_backend;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&blk_ring, notify_backend);
    if (notify_backend)
        notify(blk_port);
}

/* Completes one response: checks it, revokes the slot's grants, verifies a READ's data. */
static void complete(const blkif_response_t *rsp, uint64_t seed) {
    /* the backend's id is only trusted after it names a busy slot */
    if (rsp->id >= opt.queue_depth || !slots[rsp->id].busy)
        fail(1, "backend answered request id %" PRIu64 ", which is not in flight", (uint64_t)rsp->id);
    unsigned slot = (unsigned)rsp->id;
    struct slot *s = &slots[slot];
    if (rsp->operation != s->op)
        fail(1, "backend answered request %u with operation %u, it was %u", slot, rsp->operation, s->op);
    for (unsigned i = 0; i < s->pages; i++)
        if (end_access(slot_ref(slot, i)) != 0)
            fail(1, "grant %u still in use after the backend answered", slot_ref(slot, i));
    if (rsp->status != BLKIF_RSP_OKAY)
        fail(4, "backend answered %s of sector %" PRIu64 " with status %d",
             s->op == BLKIF_OP_READ ? "READ" : s->op == BLKIF_OP_WRITE ? "WRITE" : "FLUSH", s->sector, rsp->status);
    if (s->op == BLKIF_OP_READ) {
        for (unsigned i = 0; i < s->pages; i++) {
            const uint64_t *words = frame_ptr(slot_page(slot, i));
            uint64_t base = (s->sector + (uint64_t)i * SECTORS_PER_PAGE) * SECTOR_SIZE;
            for (unsigned w = 0; w < PAGE_SIZE / 8; w++) {
                uint64_t off = base + 8u * w, want = pattern_word(off, seed);
                if (words[w] != want)
                    fail(3, "data mismatch at disk byte %" PRIu64 ": read 0x%016" PRIx64 ", expected 0x%016" PRIx64,
                         off, words[w], want);
            }
        }
        io.bytes_read += (uint64_t)s->pages * PAGE_SIZE;
    } else if (s->op == BLKIF_OP_WRITE) {
        io.bytes_written += (uint64_t)s->pages * PAGE_SIZE;
    } else {
        io.flushes++;
    }
    s->busy = 0;
}

/* Consumes every response on the ring; returns how many. Re-arms rsp_event before it returns 0. */
static unsigned reap(uint64_t seed) {
    unsigned done = 0;
    for (;;) {
        RING_IDX prod = blk_ring.sring->rsp_prod;
        xen_rmb();   /* the responses are read after rsp_prod */
        if (prod - blk_ring.rsp_cons > RING_SIZE(&blk_ring))
            fail(1, "backend's rsp_prod %u is out of range (rsp_cons %u)", prod, blk_ring.rsp_cons);
        while (blk_ring.rsp_cons != prod) {
            blkif_response_t rsp = *RING_GET_RESPONSE(&blk_ring, blk_ring.rsp_cons);   /* copy once */
            blk_ring.rsp_cons++;
            complete(&rsp, seed);
            done++;
        }
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&blk_ring, more);
        if (!more)
            return done;
    }
}

static int free_slot(void) {
    for (unsigned i = 0; i < opt.queue_depth; i++)
        if (!slots[i].busy)
            return (int)i;
    return -1;
}

static unsigned in_flight(void) {
    unsigned n = 0;
    for (unsigned i = 0; i < opt.queue_depth; i++)
        n += (unsigned)slots[i].busy;
    return n;
}

/* Waits (bounded) for a response, or for `all` of them. */
static void await_responses(int all, uint64_t seed) {
    uint64_t deadline = deadline_after_timeout();
    evtchn_port_t ports[2] = { blk_port, store_port };
    while (in_flight() > 0) {
        if (reap(seed) > 0) {
            deadline = deadline_after_timeout();
            if (!all)
                return;
            continue;
        }
        if (now_ns() > deadline)
            fail(1, "no response from the backend within %u s (%u requests in flight)", opt.timeout_s, in_flight());
        /* a backend that gives up on the device says so in its state: fail with its reason, not a timeout */
        xs_pump();
        if (xs_watch_fired) {
            xs_watch_fired = 0;
            XenbusState state = read_state(back);
            if (state != XenbusStateConnected)
                backend_failed(state);
        }
        wait_for_event(ports, 2);
    }
}

/* Issues `op` over the whole range, up to queue_depth requests of up to 11 pages in flight. */
static void transfer(uint8_t op, uint64_t seed) {
    uint64_t pages = opt.kib / 4, next = 0;
    while (next < pages) {
        int slot;
        while ((slot = free_slot()) < 0)
            await_responses(0, seed);
        unsigned n = pages - next < BLKIF_MAX_SEGMENTS_PER_REQUEST ? (unsigned)(pages - next)
                                                                   : BLKIF_MAX_SEGMENTS_PER_REQUEST;
        submit((unsigned)slot, op, opt.first_sector + next * SECTORS_PER_PAGE, n, seed);
        push_requests();
        next += n;
    }
    await_responses(1, seed);
}

static void flush(void) {
    /* a flush without data: every write answered before it is on stable storage when it is answered */
    submit(0, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0);
    push_requests();
    await_responses(1, 0);
}

/* ------------------------------------------------------------------------------------------------------ */

static void console_write(const char *text) {
    size_t len = strlen(text);
    char *buf = scratch(len);
    memcpy(buf, text, len);
    hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, len, SCRATCH_GPA, 0, 0);
}

static void power_off(void) {
    struct sched_shutdown *sd = scratch(sizeof(*sd));
    sd->reason = SHUTDOWN_poweroff;
    int64_t rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, SCRATCH_GPA, 0, 0, 0);
    if (rc != 0)
        fail(1, "SCHEDOP_shutdown(poweroff): %" PRId64, rc);
}

static void usage(int status) {
    fprintf(status ? stderr : stdout,
            "usage: pvkit-c-guest [options] SOCKET\n"
            "  -n NAME    guest name (default c-guest)\n"
            "  -m FRAMES  memory in 4 KiB frames (default 512)\n"
            "  -o SECTOR  first sector of the range (default 128)\n"
            "  -k KIB     range length in KiB, a multiple of 4 (default 512)\n"
            "  -p PASSES  write+flush+read+verify passes (default 1; 0 = until killed)\n"
            "  -q DEPTH   requests in flight, 1..%u (default 4)\n"
            "  -t SECONDS bound of every wait (default 10)\n"
            "  -s SEED    pass p writes pattern SEED+p (default 1)\n", MAX_QUEUE_DEPTH);
    exit(status);
}

static uint64_t number_arg(const char *s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        usage(2);
    return v;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int c;
    while ((c = getopt(argc, argv, "hn:m:o:k:p:q:t:s:")) != -1) {
        switch (c) {
        case 'n': opt.name = optarg; break;
        case 'm': opt.frames = number_arg(optarg); break;
        case 'o': opt.first_sector = number_arg(optarg); break;
        case 'k': opt.kib = number_arg(optarg); break;
        case 'p': opt.passes = number_arg(optarg); break;
        case 'q': opt.queue_depth = (unsigned)number_arg(optarg); break;
        case 't': opt.timeout_s = (unsigned)number_arg(optarg); break;
        case 's': opt.seed = number_arg(optarg); break;
        case 'h': usage(0); break;
        default: usage(2);
        }
    }
    if (optind != argc - 1 || opt.kib == 0 || opt.kib % 4 || opt.kib > (1ull << 30) || opt.queue_depth < 1
            || opt.queue_depth > MAX_QUEUE_DEPTH || opt.timeout_s < 1 || opt.timeout_s > 3600
            || opt.first_sector > (1ull << 40))
        usage(2);
    opt.socket = argv[optind];
    uint64_t needed = DATA_FRAME + (uint64_t)opt.queue_depth * BLKIF_MAX_SEGMENTS_PER_REQUEST;
    if (opt.frames < needed || opt.frames > (1u << 24))
        fail(2, "-m %" PRIu64 ": need at least %" PRIu64 " frames for queue depth %u", opt.frames, needed,
             opt.queue_depth);

    join_hypervisor();
    read_start_info();
    map_shared_info();
    setup_grant_table();
    /* enable event delivery (Linux's xen_irq_enable): events now set evtchn_upcall_pending */
    __atomic_store_n(&shared->vcpu_info[0].evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    connect_xenstore();
    find_disk();
    connect_disk();
    printf("pvkit-c-guest: connected: %" PRIu64 " sectors, flush %s, ring-ref %u, event-channel %u\n",
           disk_sectors, disk_flush ? "yes" : "no", RING_REF, blk_port);

    uint64_t pass;
    for (pass = 0; opt.passes == 0 || pass < opt.passes; pass++) {
        transfer(BLKIF_OP_WRITE, opt.seed + pass);
        if (disk_flush)
            flush();
        transfer(BLKIF_OP_READ, opt.seed + pass);
        printf("pvkit-c-guest: pass %" PRIu64 " verified\n", pass + 1);
    }

    disconnect_disk();
    char line[320];
    snprintf(line, sizeof(line),
             "pvkit-c-guest: ok: domain %u vbd %u: %" PRIu64 " passes, %" PRIu64 " KiB written, %" PRIu64
             " KiB read and verified at sector %" PRIu64 ", %" PRIu64 " flushes, %" PRIu64 " requests, %" PRIu64
             " hypercalls, %" PRIu64 " events\n",
             domid, vdev, pass, io.bytes_written / 1024, io.bytes_read / 1024, opt.first_sector, io.flushes,
             io.requests, hypercalls_made, events_seen);
    console_write(line);
    fputs(line, stdout);
    power_off();
    return 0;
}

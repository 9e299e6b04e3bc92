/*
 * Baseline for pvkit's cross-process ring figures: a front/back pair written in straightforward C on Xen's
 * own io/ring.h macros (DEFINE_RING_TYPES and the RING_* accessors), speaking the protocol of
 * io.pvkit.rings.tools.RingPeer so that either side can be swapped for pvkit:
 *
 *   xen_ring_pair front|back <file> <ring-pages> <count> <start-index> [window [timeout-seconds [warmup]]]
 *   xen_ring_pair loop <ring-pages> <count> [warmup]
 *
 * warmup: the printed seconds and cpu cover the exchanges after the first <warmup> responses (front) or
 * requests served (back), as RingPeer's --warmup does, where it excludes the JIT's warm-up; the run still
 * exchanges <count> requests. cpu= is this process's CPU time (user + system) over the same window: unlike
 * the seconds it barely moves with the machine's load.
 *
 * loop: the front's and the back's work of one exchange done alternately by one thread over private memory
 * (fill the ring and push, serve every request and push, consume every response), no waiting and no second
 * process: the work per request of this code, to set against RingPeer's loop (io.pvkit.rings.tools.RingWork).
 *
 * File: <ring-pages> pages of shared ring, then a control page { u32 ready = "PVKR"; u32 state
 * (1 running, 2 done); u32 start; } written by the front (release on ready).
 * Request  { u64 id; u32 len; u32 crc; u8 payload[48]; }   (64 bytes)
 * Response { u64 id; u32 status; u32 crc; }                 (16 bytes)
 * crc = CRC-32C(payload[0..len)) with the SSE4.2 crc32 instruction (8 bytes per step, as the JDK's
 * intrinsic for java.util.zip.CRC32C); the back answers status 0 when it matches and echoes its crc.
 *
 * Waiting: sched_yield up to 1000 times, then 20 us sleeps, the policy RingPeer uses; both sides check
 * with RING_FINAL_CHECK_FOR_* before idling, and count the notifications the pushes asked for (there is
 * no event channel: the counts are what a real pair would send).
 *
 * Prints one line "<role> n=<exchanged> bad=<b> notifies=<m> [measured=<w>] seconds=<s> cpu=<s>" and exits 0 (all good),
 * 1 (checksum mismatch), 2 (broken ring), 3 (timeout), 64 (bad arguments).
 *
 * Build: gcc -O2 -msse4.2 -o xen_ring_pair xen_ring_pair.c   (needs libxen-dev's headers)
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <fcntl.h>
#include <nmmintrin.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* x86_64 barriers as Xen's tools define them: a full fence for mb, compiler-only on TSO for rmb/wmb */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/ring.h>

#define PAGE_BYTES 4096u
#define PAYLOAD_BYTES 48u
#define MAGIC 0x524B5650u

struct pv_req { uint64_t id; uint32_t len; uint32_t crc; uint8_t payload[PAYLOAD_BYTES]; };
struct pv_rsp { uint64_t id; uint32_t status; uint32_t crc; };
DEFINE_RING_TYPES(pv, struct pv_req, struct pv_rsp);
_Static_assert(sizeof(union pv_sring_entry) == 64, "one 64-byte slot");

struct control { uint32_t ready, state, start; };

static inline uint32_t crc32c(const uint8_t *p, uint32_t n) {
    uint64_t c = 0xFFFFFFFFu;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
    }
    uint32_t c32 = (uint32_t) c;
    for (; n > 0; n--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

/* The measured window: it starts when the first `warmup` items are done (at once for no warm-up). */
struct window { long warmup; int warm; double t0, c0; };
static void window_open(struct window *w, long warmup) {
    w->warmup = warmup;
    w->warm = warmup == 0;
    w->t0 = seconds_now();
    w->c0 = cpu_now();
}
static inline void window_mark(struct window *w, long done) {
    if (!w->warm && done >= w->warmup) {
        w->warm = 1;
        w->t0 = seconds_now();
        w->c0 = cpu_now();
    }
}

/* RingPeer's idle policy: yield 1000 times, then sleep 20 us per idle step until work arrives. */
struct waiter { unsigned idles; double deadline; };
static inline void waiter_reset(struct waiter *w) { w->idles = 0; }
static int waiter_idle(struct waiter *w) {
    if (w->idles < 1000) {
        w->idles++;
        sched_yield();
    } else {
        if (seconds_now() > w->deadline) return -1;
        usleep(20);
    }
    if ((w->idles & 1023) == 0 && seconds_now() > w->deadline) return -1;
    return 0;
}

/* The three steps of an exchange, shared by front, back and loop (inlined by -O2). */
struct front_state { uint32_t *expected; uint64_t x; long sent, received, bad, notifies; unsigned window; };

/* Fills the ring (as far as the window allows) with random requests and pushes them once; 1 when any was put. */
static inline int fill_requests(struct pv_front_ring *fr, struct front_state *f, long count) {
    unsigned size = RING_SIZE(fr);
    int queued = 0;
    while (f->sent < count && !RING_FULL(fr) && fr->req_prod_pvt - fr->rsp_cons < f->window) {
        struct pv_req *rq = RING_GET_REQUEST(fr, fr->req_prod_pvt);
        struct pv_req local;
        uint64_t x = f->x;
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        local.len = (uint32_t) (x % (PAYLOAD_BYTES + 1));
        for (unsigned i = 0; i < PAYLOAD_BYTES; i += 8) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            memcpy(local.payload + i, &x, 8);
        }
        f->x = x;
        memset(local.payload + local.len, 0, PAYLOAD_BYTES - local.len);
        local.id = fr->req_prod_pvt & (size - 1);
        local.crc = crc32c(local.payload, local.len);
        f->expected[local.id] = local.crc;
        *rq = local;
        fr->req_prod_pvt++;
        f->sent++;
        queued = 1;
    }
    if (queued) {
        int notify;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(fr, notify);
        f->notifies += notify;
    }
    return queued;
}

/* Consumes every published response: the number consumed, or -1 when the back broke the ring. */
static inline long consume_responses(struct pv_front_ring *fr, struct front_state *f) {
    unsigned size = RING_SIZE(fr);
    RING_IDX prod = fr->sring->rsp_prod;
    xen_rmb();
    if (RING_RESPONSE_PROD_OVERFLOW(fr, prod)) return -1;
    long n = 0;
    for (; fr->rsp_cons != prod; fr->rsp_cons++, n++) {
        struct pv_rsp rp;
        RING_COPY_RESPONSE(fr, fr->rsp_cons, &rp);
        if (rp.id >= size) return -1;
        f->bad += rp.status != 0 || rp.crc != f->expected[rp.id];
        f->received++;
    }
    return n;
}

struct back_state { long served, bad, notifies; };

/* Serves every published request and pushes the responses once: the number served, or -1 on overflow. */
static inline long serve_requests(struct pv_back_ring *br, struct back_state *b) {
    RING_IDX prod = br->sring->req_prod;
    xen_rmb();
    if (RING_REQUEST_PROD_OVERFLOW(br, prod)) return -1;
    if (br->req_cons == prod) return 0;
    long n = 0;
    for (; br->req_cons != prod; br->req_cons++, n++) {
        struct pv_req rq;
        RING_COPY_REQUEST(br, br->req_cons, &rq);
        uint32_t len = rq.len <= PAYLOAD_BYTES ? rq.len : 0;
        uint32_t crc = crc32c(rq.payload, len);
        struct pv_rsp *rp = RING_GET_RESPONSE(br, br->rsp_prod_pvt++);
        rp->id = rq.id;
        rp->status = (rq.len <= PAYLOAD_BYTES && crc == rq.crc) ? 0 : 1;
        rp->crc = crc;
        b->bad += rp->status;
        b->served++;
    }
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(br, notify);
    b->notifies += notify;
    return n;
}

static int back(struct pv_sring *s, unsigned long bytes, volatile struct control *ctl, long count, RING_IDX start,
                long warmup, struct waiter *w) {
    while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) != MAGIC || ctl->state != 1u) {
        if (waiter_idle(w)) { printf("back n=0 error=timeout\n"); return 3; }
    }
    if (ctl->start != start) { fprintf(stderr, "back: front started at %u, not %u\n", ctl->start, start); return 2; }
    struct pv_back_ring br;
    BACK_RING_ATTACH(&br, s, start, bytes);
    waiter_reset(w);
    struct back_state bs = { 0, 0, 0 };
    struct window win;
    window_open(&win, warmup);
    while (bs.served < count) {
        window_mark(&win, bs.served);
        long n = serve_requests(&br, &bs);
        if (n < 0) { printf("back n=%ld error=overflow\n", bs.served); return 2; }
        if (n > 0) {
            waiter_reset(w);
            continue;
        }
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&br, more);
        if (!more && waiter_idle(w)) { printf("back n=%ld error=timeout\n", bs.served); return 3; }
    }
    printf("back n=%ld bad=%ld notifies=%ld measured=%ld seconds=%.6f cpu=%.6f\n", bs.served, bs.bad, bs.notifies,
           bs.served - warmup, seconds_now() - win.t0, cpu_now() - win.c0);
    return bs.bad ? 1 : 0;
}

static int front(struct pv_sring *s, unsigned long bytes, volatile struct control *ctl, long count, RING_IDX start,
                 unsigned window, long warmup, struct waiter *w) {
    __atomic_store_n(&ctl->ready, 0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ctl->state, 0u, __ATOMIC_SEQ_CST);
    SHARED_RING_INIT(s);
    s->req_prod = s->rsp_prod = start;
    s->req_event = s->rsp_event = start + 1;
    struct pv_front_ring fr;
    FRONT_RING_ATTACH(&fr, s, start, bytes);
    ctl->start = start;
    ctl->state = 1u;
    __atomic_store_n(&ctl->ready, MAGIC, __ATOMIC_RELEASE);

    struct front_state f = { calloc(RING_SIZE(&fr), sizeof(uint32_t)), 0x9E3779B97F4A7C15ull, 0, 0, 0, 0, window };
    struct window win;
    window_open(&win, warmup);
    while (f.received < count) {
        window_mark(&win, f.received);
        int queued = fill_requests(&fr, &f, count);
        long n = consume_responses(&fr, &f);
        if (n < 0) { printf("front n=%ld error=bad response\n", f.received); return 2; }
        if (n > 0) {
            waiter_reset(w);
            continue;
        }
        if (queued) continue;
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&fr, more);
        if (!more && waiter_idle(w)) { printf("front n=%ld error=timeout\n", f.received); return 3; }
    }
    double t = seconds_now() - win.t0, c = cpu_now() - win.c0;
    __atomic_store_n(&ctl->state, 2u, __ATOMIC_RELEASE);
    printf("front n=%ld bad=%ld notifies=%ld measured=%ld seconds=%.6f cpu=%.6f\n", f.received, f.bad, f.notifies,
           f.received - warmup, t, c);
    free(f.expected);
    return f.bad ? 1 : 0;
}

/* One thread, private memory: fill and push, serve and push, consume, until <count> exchanges. */
static int loop(unsigned long bytes, long count, long warmup) {
    struct pv_sring *s = aligned_alloc(PAGE_BYTES, bytes);
    if (s == NULL) { perror("aligned_alloc"); return 64; }
    RING_IDX start = 0xFFFFFFF0u;
    SHARED_RING_INIT(s);
    s->req_prod = s->rsp_prod = start;
    s->req_event = s->rsp_event = start + 1;
    struct pv_front_ring fr;
    FRONT_RING_ATTACH(&fr, s, start, bytes);
    struct pv_back_ring br;
    BACK_RING_ATTACH(&br, s, start, bytes);
    struct front_state f = { calloc(RING_SIZE(&fr), sizeof(uint32_t)), 0x9E3779B97F4A7C15ull, 0, 0, 0, 0, ~0u };
    struct back_state bs = { 0, 0, 0 };
    struct window win;
    window_open(&win, warmup);
    while (f.received < count) {
        window_mark(&win, f.received);
        fill_requests(&fr, &f, count);
        if (serve_requests(&br, &bs) < 0 || consume_responses(&fr, &f) < 0) { printf("loop error=broken\n"); return 2; }
    }
    double t = seconds_now() - win.t0, c = cpu_now() - win.c0;
    /* one thread: its CPU time is the process's (thread-cpu as RingWork prints it) */
    printf("loop n=%ld bad=%ld measured=%ld seconds=%.6f cpu=%.6f thread-cpu=%.6f\n", f.received, f.bad + bs.bad,
           f.received - warmup, t, c, c);
    free(f.expected);
    free(s);
    return f.bad + bs.bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "loop") == 0) {
        long pages = strtol(argv[2], NULL, 0), count = strtol(argv[3], NULL, 0);
        long warmup = argc > 4 ? strtol(argv[4], NULL, 0) : 0;
        if (pages < 1 || count < 0 || warmup < 0 || warmup > count) { fprintf(stderr, "bad arguments\n"); return 64; }
        return loop((unsigned long) pages * PAGE_BYTES, count, warmup);
    }
    if (argc < 6) {
        fprintf(stderr, "usage: %s front|back <file> <ring-pages> <count> <start> [window [timeout-seconds [warmup]]]\n"
                        "       %s loop <ring-pages> <count> [warmup]\n", argv[0], argv[0]);
        return 64;
    }
    long pages = strtol(argv[3], NULL, 0), count = strtol(argv[4], NULL, 0);
    RING_IDX start = (RING_IDX) strtoul(argv[5], NULL, 0);
    unsigned window = argc > 6 ? (unsigned) strtoul(argv[6], NULL, 0) : ~0u;
    double timeout = argc > 7 ? strtod(argv[7], NULL) : 60.0;
    long warmup = argc > 8 ? strtol(argv[8], NULL, 0) : 0;
    if (pages < 1 || count < 0 || window < 1 || !(timeout > 0) || warmup < 0 || warmup > count) { fprintf(stderr, "bad arguments\n"); return 64; }
    unsigned long bytes = (unsigned long) pages * PAGE_BYTES;
    int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ftruncate(fd, (off_t) (bytes + PAGE_BYTES)) != 0) { perror(argv[2]); return 64; }
    uint8_t *m = mmap(NULL, bytes + PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 64; }
    struct waiter w = { 0, seconds_now() + timeout };
    volatile struct control *ctl = (volatile struct control *) (m + bytes);
    if (strcmp(argv[1], "front") == 0) return front((struct pv_sring *) m, bytes, ctl, count, start, window, warmup, &w);
    if (strcmp(argv[1], "back") == 0) return back((struct pv_sring *) m, bytes, ctl, count, start, warmup, &w);
    fprintf(stderr, "role must be front, back or loop\n");
    return 64;
}

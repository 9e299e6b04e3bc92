/*
 * Baseline for pvkit's cross-process ring figures: a front/back pair written in straightforward C on Xen's
 * own io/ring.h macros (DEFINE_RING_TYPES and the RING_* accessors), speaking the protocol of
 * io.pvkit.rings.tools.RingPeer so that either side can be swapped for pvkit:
 *
 *   xen_ring_pair front|back <file> <ring-pages> <count> <start-index> [window [timeout-seconds [warmup]]]
 *
 * warmup (front): the printed seconds cover the exchanges after the first <warmup> responses (as RingPeer's
 * --warmup does, where it excludes the JIT's warm-up); the run still exchanges <count> requests.
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
 * Prints one line "<role> n=<exchanged> bad=<b> notifies=<m> seconds=<s>" and exits 0 (all good),
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

static int back(struct pv_sring *s, unsigned long bytes, volatile struct control *ctl, long count, RING_IDX start,
                struct waiter *w) {
    while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) != MAGIC || ctl->state != 1u) {
        if (waiter_idle(w)) { printf("back n=0 error=timeout\n"); return 3; }
    }
    if (ctl->start != start) { fprintf(stderr, "back: front started at %u, not %u\n", ctl->start, start); return 2; }
    struct pv_back_ring br;
    BACK_RING_ATTACH(&br, s, start, bytes);
    waiter_reset(w);
    long served = 0, bad = 0, notifies = 0;
    double t0 = seconds_now();
    while (served < count) {
        RING_IDX prod = s->req_prod;
        xen_rmb();
        if (RING_REQUEST_PROD_OVERFLOW(&br, prod)) { printf("back n=%ld error=overflow\n", served); return 2; }
        if (br.req_cons != prod) {
            for (; br.req_cons != prod; br.req_cons++) {
                struct pv_req rq;
                RING_COPY_REQUEST(&br, br.req_cons, &rq);
                uint32_t len = rq.len <= PAYLOAD_BYTES ? rq.len : 0;
                uint32_t crc = crc32c(rq.payload, len);
                struct pv_rsp *rp = RING_GET_RESPONSE(&br, br.rsp_prod_pvt++);
                rp->id = rq.id;
                rp->status = (rq.len <= PAYLOAD_BYTES && crc == rq.crc) ? 0 : 1;
                rp->crc = crc;
                bad += rp->status;
                served++;
            }
            int notify;
            RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&br, notify);
            notifies += notify;
            waiter_reset(w);
            continue;
        }
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&br, more);
        if (!more && waiter_idle(w)) { printf("back n=%ld error=timeout\n", served); return 3; }
    }
    printf("back n=%ld bad=%ld notifies=%ld seconds=%.6f\n", served, bad, notifies, seconds_now() - t0);
    return bad ? 1 : 0;
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

    unsigned size = RING_SIZE(&fr);
    uint32_t *expected = calloc(size, sizeof(uint32_t));
    uint64_t x = 0x9E3779B97F4A7C15ull;
    long sent = 0, received = 0, bad = 0, notifies = 0;
    double t0 = seconds_now();
    int warm = warmup == 0;
    while (received < count) {
        if (!warm && received >= warmup) {
            warm = 1;
            t0 = seconds_now();
        }
        int queued = 0;
        while (sent < count && !RING_FULL(&fr) && fr.req_prod_pvt - fr.rsp_cons < window) {
            struct pv_req *rq = RING_GET_REQUEST(&fr, fr.req_prod_pvt);
            struct pv_req local;
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            local.len = (uint32_t) (x % (PAYLOAD_BYTES + 1));
            for (unsigned i = 0; i < PAYLOAD_BYTES; i += 8) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                memcpy(local.payload + i, &x, 8);
            }
            memset(local.payload + local.len, 0, PAYLOAD_BYTES - local.len);
            local.id = fr.req_prod_pvt & (size - 1);
            local.crc = crc32c(local.payload, local.len);
            expected[local.id] = local.crc;
            *rq = local;
            fr.req_prod_pvt++;
            sent++;
            queued = 1;
        }
        if (queued) {
            int notify;
            RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fr, notify);
            notifies += notify;
        }
        RING_IDX prod = s->rsp_prod;
        xen_rmb();
        if (RING_RESPONSE_PROD_OVERFLOW(&fr, prod)) { printf("front n=%ld error=overflow\n", received); return 2; }
        if (fr.rsp_cons != prod) {
            for (; fr.rsp_cons != prod; fr.rsp_cons++) {
                struct pv_rsp rp;
                RING_COPY_RESPONSE(&fr, fr.rsp_cons, &rp);
                if (rp.id >= size) { printf("front n=%ld error=bad id\n", received); return 2; }
                bad += rp.status != 0 || rp.crc != expected[rp.id];
                received++;
            }
            waiter_reset(w);
            continue;
        }
        if (queued) continue;
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&fr, more);
        if (!more && waiter_idle(w)) { printf("front n=%ld error=timeout\n", received); return 3; }
    }
    double t = seconds_now() - t0;
    __atomic_store_n(&ctl->state, 2u, __ATOMIC_RELEASE);
    printf("front n=%ld bad=%ld notifies=%ld measured=%ld seconds=%.6f\n", received, bad, notifies, received - warmup, t);
    free(expected);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s front|back <file> <ring-pages> <count> <start> [window [timeout-seconds]]\n", argv[0]);
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
    if (strcmp(argv[1], "back") == 0) return back((struct pv_sring *) m, bytes, ctl, count, start, &w);
    fprintf(stderr, "role must be front or back\n");
    return 64;
}

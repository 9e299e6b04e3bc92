/*
 * pvkit_mailbox.h: the pv-process ABI between a pvkit hypervisor and a guest in another process.
 *
 * Mirrored by io.pvkit.process.MailboxLayout, SessionHelloLayout and SessionWelcomeLayout (checked against
 * this header with gcc by ProcessAbiCrossCheckTest). x86_64, little-endian, natural alignment. Version 1.
 *
 * Session: the guest connects to the hypervisor's Unix stream socket and sends a struct pvkit_hello; the
 * hypervisor answers with a struct pvkit_welcome carrying, when status == 0, two descriptors in one
 * SCM_RIGHTS message: [0] the guest memory memfd (frames * 4096 bytes), [1] the mailbox page memfd (4096
 * bytes). Both are sealed F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL; map them MAP_SHARED. The socket then
 * stays open and silent; closing it (or dying) ends the session.
 *
 * Mailbox page: a struct pvkit_mailbox_page_header at 0, then struct pvkit_mailbox vcpu[k] at
 * PVKIT_MAILBOX_OFFSET(k) for k < nr_vcpus.
 *
 * Hypercall (guest vCPU k, on its own mailbox only):
 *   1. wait until state == IDLE (it is after each completed call);
 *   2. write op, args[0..4] and seq = previous seq + 1 (first call: 1);
 *   3. store-release state = REQUEST;
 *   4. wait (spin, then back off) until load-acquire state == RESPONSE, or gone & PVKIT_GONE_HYPERVISOR;
 *   5. read result (rsp_seq == seq), then store state = IDLE.
 * The hypervisor loads-acquire state == REQUEST, reads seq/op/args ONCE, calls its handler, writes result
 * and rsp_seq, then stores-release state = RESPONSE. A seq other than the previous seq + 1 is answered
 * -EINVAL (22) without calling the handler (and the count resynchronises to it); an op above 0xffffffff
 * is answered -ENOSYS (38).
 *
 * Upcall: the hypervisor stores-release upcall_pending = 1 (after setting evtchn_upcall_pending in the
 * vcpu_info, when it uses event channels); the guest exchanges it with 0 and scans its vcpu_info.
 */
#ifndef PVKIT_MAILBOX_H
#define PVKIT_MAILBOX_H

#include <stdint.h>

#define PVKIT_MAILBOX_MAGIC      0x584D5650u /* "PVMX" little-endian */
#define PVKIT_SESSION_HELLO_MAGIC   0x474B5650u /* "PVKG" */
#define PVKIT_SESSION_WELCOME_MAGIC 0x484B5650u /* "PVKH" */
#define PVKIT_ABI_VERSION        1u

#define PVKIT_MAILBOX_IDLE       0u
#define PVKIT_MAILBOX_REQUEST    1u
#define PVKIT_MAILBOX_RESPONSE   2u

#define PVKIT_GONE_GUEST         1u  /* bit of gone: the guest left (set by the guest or by the hypervisor) */
#define PVKIT_GONE_HYPERVISOR    2u  /* bit of gone: the hypervisor ended the session */

#define PVKIT_MAILBOX_MAX_VCPUS  31u
#define PVKIT_MAILBOX_PAGE_BYTES 4096u
#define PVKIT_MAILBOX_OFFSET(k)  (64u + 128u * (k))

struct pvkit_mailbox_page_header {    /* 64 bytes, written by the hypervisor before the welcome */
    uint32_t magic;                   /*  0 PVKIT_MAILBOX_MAGIC */
    uint32_t version;                 /*  4 PVKIT_ABI_VERSION */
    uint32_t domid;                   /*  8 */
    uint32_t nr_vcpus;                /* 12 */
    uint8_t  pad[48];                 /* 16 */
};

struct pvkit_mailbox {                /* 128 bytes, 64-byte aligned, one per vCPU */
    uint32_t state;                   /*  0 [guest] IDLE->REQUEST, RESPONSE->IDLE; [hyp] REQUEST->RESPONSE */
    uint32_t seq;                     /*  4 [guest] request number */
    uint64_t op;                      /*  8 [guest] __HYPERVISOR_* */
    uint64_t args[5];                 /* 16 [guest] rdi, rsi, rdx, r10, r8 */
    int64_t  result;                  /* 56 [hyp] rax: >= 0 or -errno */
    uint32_t rsp_seq;                 /* 64 [hyp] seq of the request answered */
    uint32_t upcall_pending;          /* 68 [hyp] sets 1; [guest] exchanges with 0 */
    uint32_t gone;                    /* 72 [both] PVKIT_GONE_* bits, only ever set */
    uint32_t pad0;                    /* 76 */
    uint64_t served;                  /* 80 [hyp] requests answered on this mailbox */
    uint8_t  pad1[40];                /* 88 */
} __attribute__((aligned(64)));

struct pvkit_hello {                  /* 64 bytes, guest -> hypervisor */
    uint32_t magic;                   /*  0 PVKIT_SESSION_HELLO_MAGIC */
    uint32_t version;                 /*  4 PVKIT_ABI_VERSION */
    uint32_t vcpus;                   /*  8 requested, 1..PVKIT_MAILBOX_MAX_VCPUS */
    uint32_t flags;                   /* 12 0 */
    uint64_t frames;                  /* 16 requested guest memory in 4096-byte frames */
    char     name[40];                /* 24 UTF-8, NUL-padded */
};

struct pvkit_welcome {                /* 64 bytes, hypervisor -> guest, with the descriptors */
    uint32_t magic;                   /*  0 PVKIT_SESSION_WELCOME_MAGIC */
    uint32_t version;                 /*  4 PVKIT_ABI_VERSION */
    int32_t  status;                  /*  8 0, or -errno (then no descriptors and the socket closes) */
    uint32_t domid;                   /* 12 */
    uint32_t vcpus;                   /* 16 */
    uint32_t pad0;                    /* 20 */
    uint64_t frames;                  /* 24 size of descriptor [0] in frames */
    uint64_t start_info_gpa;          /* 32 the guest's start info (0 if none) */
    uint64_t mailbox_bytes;           /* 40 size of descriptor [1] */
    uint8_t  pad1[16];                /* 48 */
};

#endif /* PVKIT_MAILBOX_H */

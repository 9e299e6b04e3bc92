/*
 * The "events" test guest of pv-kvm: maps shared_info at the agreed frame 0xF00 with
 * XENMEM_add_to_physmap, registers the upcall vector, allocates an unbound event channel for domain 0,
 * prints its port and halts; the upcall handler scans the 2-level pending bitmaps the way Linux does.
 * When its port fires it sends back on the same channel and powers off. KvmEventsGuestTest is dom0.
 */
#include "guest.h"
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#define SHARED_INFO_GFN 0xF00UL
#define UPCALL_VECTOR 0xF3

struct idt_gate {
    uint16_t offset0;
    uint16_t selector;
    uint8_t ist;
    uint8_t attributes;
    uint16_t offset1;
    uint32_t offset2;
    uint32_t zero;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct shared_info *const shared = (struct shared_info *) (SHARED_INFO_GFN << 12);
static volatile int received;
static volatile evtchn_port_t my_port;

struct interrupt_frame;

__attribute__((interrupt)) static void upcall_handler(struct interrupt_frame *frame) {
    (void) frame;
    struct vcpu_info *v = &shared->vcpu_info[0];
    __atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t selector = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (selector != 0) {
        unsigned int word = (unsigned int) __builtin_ctzl(selector);
        selector &= selector - 1;
        xen_ulong_t pending = __atomic_load_n(&shared->evtchn_pending[word], __ATOMIC_SEQ_CST)
                & ~__atomic_load_n(&shared->evtchn_mask[word], __ATOMIC_SEQ_CST);
        while (pending != 0) {
            unsigned int bit = (unsigned int) __builtin_ctzl(pending);
            pending &= pending - 1;
            __atomic_fetch_and(&shared->evtchn_pending[word], ~(1UL << bit), __ATOMIC_SEQ_CST);
            if (word * 64 + bit == my_port) {
                received++;
            }
        }
    }
}

static void report(const char *what, long rc) {
    print(what);
    print(" rc=");
    print_signed(rc);
    print("\n");
}

void guest_main(uint32_t start_info_pa) {
    (void) start_info_pa;
    xen_init();
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = SHARED_INFO_GFN,
    };
    report("add_to_physmap", HYPERCALL3(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &xatp, 0));

    uint64_t handler = (uint64_t) (uintptr_t) upcall_handler;
    idt[UPCALL_VECTOR] = (struct idt_gate) {
        .offset0 = (uint16_t) handler, .selector = 0x08, .ist = 0, .attributes = 0x8E,
        .offset1 = (uint16_t) (handler >> 16), .offset2 = (uint32_t) (handler >> 32), .zero = 0,
    };
    struct idt_pointer idtr = { .limit = sizeof(idt) - 1, .base = (uint64_t) (uintptr_t) idt };
    asm volatile("lidt %0" : : "m"(idtr));
    struct xen_hvm_param param = {
        .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
        .value = ((uint64_t) HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | UPCALL_VECTOR,
    };
    report("set_param", HYPERCALL3(__HYPERVISOR_hvm_op, HVMOP_set_param, &param, 0));

    struct evtchn_alloc_unbound unbound = { .dom = DOMID_SELF, .remote_dom = 0 };
    report("alloc_unbound", HYPERCALL3(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &unbound, 0));
    my_port = unbound.port;
    print("port ");
    print_signed(unbound.port);
    print("\n");
    while (received == 0) {
        asm volatile("sti; hlt; cli" : : : "memory");
    }
    print("received\n");
    struct evtchn_send send = { .port = unbound.port };
    report("send", HYPERCALL3(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &send, 0));
    shutdown(SHUTDOWN_poweroff);
    halt_forever();
}

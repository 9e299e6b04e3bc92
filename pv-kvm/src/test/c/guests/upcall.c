/*
 * The "upcall" test guest of pv-kvm: registers an event upcall vector with
 * HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ, HVMIRQ_callback_vector << 56 | vector), installs a 64-bit IDT
 * gate for it, and halts with interrupts enabled until the upcall arrives; then reports and powers off.
 * KvmUpcallGuestTest kicks it from another thread.
 */
#include "guest.h"
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

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
static volatile int upcalls;

struct interrupt_frame;

__attribute__((interrupt)) static void upcall_handler(struct interrupt_frame *frame) {
    (void) frame;
    upcalls++;
}

void guest_main(uint32_t start_info_pa) {
    (void) start_info_pa;
    xen_init();
    uint64_t handler = (uint64_t) (uintptr_t) upcall_handler;
    idt[UPCALL_VECTOR] = (struct idt_gate) {
        .offset0 = (uint16_t) handler, .selector = 0x08, .ist = 0, .attributes = 0x8E,   /* present, DPL 0, interrupt gate */
        .offset1 = (uint16_t) (handler >> 16), .offset2 = (uint32_t) (handler >> 32), .zero = 0,
    };
    struct idt_pointer idtr = { .limit = sizeof(idt) - 1, .base = (uint64_t) (uintptr_t) idt };
    asm volatile("lidt %0" : : "m"(idtr));

    struct xen_hvm_param param = {
        .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
        .value = ((uint64_t) HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | UPCALL_VECTOR,
    };
    long rc = HYPERCALL3(__HYPERVISOR_hvm_op, HVMOP_set_param, &param, 0);
    print("set_param rc=");
    print_signed(rc);
    print("\nwaiting\n");
    while (upcalls == 0) {
        asm volatile("sti; hlt; cli" : : : "memory");
    }
    print("upcall ");
    print_signed(upcalls);
    print("\n");
    shutdown(SHUTDOWN_poweroff);
    halt_forever();
}

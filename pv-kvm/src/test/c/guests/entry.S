/*
 * PVH entry of the "hello" test guest: entered by the VMM in 32-bit flat protected mode with paging off
 * and %ebx = the hvm_start_info address (Xen docs/misc/pvh.pandoc). Switches to long mode (PAE, static
 * identity page tables mapping the first 1 GiB with 2 MiB pages, EFER.LME, a 64-bit GDT) and calls
 * guest_main(start_info) in C. Avoids what this host's KVM cannot do: no iret, no int $n, no x87,
 * no legacy 32-bit paging.
 */
#include <xen/elfnote.h>

    .section .note.GNU-stack, "", @progbits

    .section .note.Xen, "a", @note
    .align 4
    .long 4                          /* namesz: "Xen\0" */
    .long 4                          /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .align 4
    .long pvh_start
    .align 4

    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, start_info_pa
    movl $pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $0x20, %eax                  /* CR4.PAE */
    movl %eax, %cr4
    movl $0xC0000080, %ecx           /* EFER */
    rdmsr
    orl $0x100, %eax                 /* EFER.LME */
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax            /* CR0.PG | CR0.PE */
    movl %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_entry

    .code64
long_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    leaq stack_top(%rip), %rsp
    movl start_info_pa(%rip), %edi
    call guest_main
1:  hlt
    jmp 1b

    .section .data
    .align 16
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF         /* 0x10: flat data */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt
start_info_pa:
    .long 0

    .align 4096
    .globl pml4
pml4:
    .quad pdpt + 0x3                 /* present, writable */
    .fill 511, 8, 0
pdpt:
    .quad pd + 0x3
    .fill 511, 8, 0
pd:
    .set i, 0
    .rept 512
    .quad (i << 21) | 0x83           /* 2 MiB page: present, writable, PS */
    .set i, i + 1
    .endr

    .section .bss
    .align 4096
    .globl hypercall_page
hypercall_page:
    .skip 4096
    .align 16
stack:
    .skip 16384
stack_top:

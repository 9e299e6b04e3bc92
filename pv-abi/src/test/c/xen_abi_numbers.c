/*
 * pvkit ABI cross-check of numbers: prints every constant pv-abi defines, compiled against the real
 * Xen public headers (Debian libxen-dev). Read by io.pvkit.abi.crosscheck.XenNumbersCrossCheckTest:
 *   const <C name> <value>
 *   xserr <name> <errno>       (the xsd_errors[] table, in order)
 * The errno and xsd_errors tables are expanded from the headers' own lists, so values Xen has and
 * pv-abi lacks are reported too.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>
#include <xen/io/xenbus.h>
#include <xen/io/blkif.h>

#define K(name) printf("const %s %lld\n", #name, (long long) (name))

static void errnos(void) {
    /* every public Xen errno, from errno.h's own list */
#define XEN_ERRNO(name, value) printf("const XEN_%s %d\n", #name, value);
#include <xen/errno.h>
#undef XEN_ERRNO
}

int main(void) {
    errnos();
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        printf("xserr %s %d\n", xsd_errors[i].errstring, xsd_errors[i].errnum);
    }
    K(BLKIF_OP_DISCARD);
    K(BLKIF_OP_FLUSH_DISKCACHE);
    K(BLKIF_OP_INDIRECT);
    K(BLKIF_OP_READ);
    K(BLKIF_OP_RESERVED_1);
    K(BLKIF_OP_WRITE);
    K(BLKIF_OP_WRITE_BARRIER);
    K(CONSOLEIO_read);
    K(CONSOLEIO_write);
    K(DOMID_COW);
    K(DOMID_FIRST_RESERVED);
    K(DOMID_IDLE);
    K(DOMID_INVALID);
    K(DOMID_IO);
    K(DOMID_MASK);
    K(DOMID_SELF);
    K(DOMID_XEN);
    K(EVTCHNOP_alloc_unbound);
    K(EVTCHNOP_bind_interdomain);
    K(EVTCHNOP_bind_ipi);
    K(EVTCHNOP_bind_pirq);
    K(EVTCHNOP_bind_vcpu);
    K(EVTCHNOP_bind_virq);
    K(EVTCHNOP_close);
    K(EVTCHNOP_expand_array);
    K(EVTCHNOP_init_control);
    K(EVTCHNOP_reset);
    K(EVTCHNOP_send);
    K(EVTCHNOP_set_priority);
    K(EVTCHNOP_status);
    K(EVTCHNOP_unmask);
    K(EVTCHNSTAT_closed);
    K(EVTCHNSTAT_interdomain);
    K(EVTCHNSTAT_ipi);
    K(EVTCHNSTAT_pirq);
    K(EVTCHNSTAT_unbound);
    K(EVTCHNSTAT_virq);
    K(GNTCOPY_dest_gref);
    K(GNTCOPY_source_gref);
    K(GNTMAP_application_map);
    K(GNTMAP_contains_pte);
    K(GNTMAP_device_map);
    K(GNTMAP_guest_avail_mask);
    K(GNTMAP_host_map);
    K(GNTMAP_readonly);
    K(GNTST_address_too_big);
    K(GNTST_bad_copy_arg);
    K(GNTST_bad_dev_addr);
    K(GNTST_bad_domain);
    K(GNTST_bad_gntref);
    K(GNTST_bad_handle);
    K(GNTST_bad_page);
    K(GNTST_bad_virt_addr);
    K(GNTST_eagain);
    K(GNTST_general_error);
    K(GNTST_no_device_space);
    K(GNTST_no_space);
    K(GNTST_okay);
    K(GNTST_permission_denied);
    K(GNTTABOP_cache_flush);
    K(GNTTABOP_copy);
    K(GNTTABOP_dump_table);
    K(GNTTABOP_get_status_frames);
    K(GNTTABOP_get_version);
    K(GNTTABOP_map_grant_ref);
    K(GNTTABOP_query_size);
    K(GNTTABOP_set_version);
    K(GNTTABOP_setup_table);
    K(GNTTABOP_swap_grant_ref);
    K(GNTTABOP_transfer);
    K(GNTTABOP_unmap_and_replace);
    K(GNTTABOP_unmap_grant_ref);
    K(GNTTAB_NR_RESERVED_ENTRIES);
    K(GNTTAB_RESERVED_CONSOLE);
    K(GNTTAB_RESERVED_XENSTORE);
    K(GTF_PAT);
    K(GTF_PCD);
    K(GTF_PWT);
    K(GTF_accept_transfer);
    K(GTF_invalid);
    K(GTF_permit_access);
    K(GTF_reading);
    K(GTF_readonly);
    K(GTF_sub_page);
    K(GTF_transfer_committed);
    K(GTF_transfer_completed);
    K(GTF_transitive);
    K(GTF_type_mask);
    K(GTF_writing);
    K(HVMOP_get_param);
    K(HVMOP_set_evtchn_upcall_vector);
    K(HVMOP_set_param);
    K(HVM_PARAM_CALLBACK_IRQ);
    K(HVM_PARAM_CALLBACK_TYPE_GSI);
    K(HVM_PARAM_CALLBACK_TYPE_PCI_INTX);
    K(HVM_PARAM_CALLBACK_TYPE_VECTOR);
    K(HVM_PARAM_CONSOLE_EVTCHN);
    K(HVM_PARAM_CONSOLE_PFN);
    K(HVM_PARAM_STORE_EVTCHN);
    K(HVM_PARAM_STORE_PFN);
    K(NR_VIRQS);
    K(SCHEDOP_block);
    K(SCHEDOP_pin_override);
    K(SCHEDOP_poll);
    K(SCHEDOP_remote_shutdown);
    K(SCHEDOP_shutdown);
    K(SCHEDOP_shutdown_code);
    K(SCHEDOP_watchdog);
    K(SCHEDOP_yield);
    K(SHUTDOWN_crash);
    K(SHUTDOWN_poweroff);
    K(SHUTDOWN_reboot);
    K(SHUTDOWN_soft_reset);
    K(SHUTDOWN_suspend);
    K(SHUTDOWN_watchdog);
    K(VCPUOP_down);
    K(VCPUOP_get_physid);
    K(VCPUOP_get_runstate_info);
    K(VCPUOP_initialise);
    K(VCPUOP_is_up);
    K(VCPUOP_register_runstate_memory_area);
    K(VCPUOP_register_vcpu_info);
    K(VCPUOP_register_vcpu_time_memory_area);
    K(VCPUOP_send_nmi);
    K(VCPUOP_set_periodic_timer);
    K(VCPUOP_set_singleshot_timer);
    K(VCPUOP_stop_periodic_timer);
    K(VCPUOP_stop_singleshot_timer);
    K(VCPUOP_up);
    K(VIRQ_ARCH_0);
    K(VIRQ_ARGO);
    K(VIRQ_CONSOLE);
    K(VIRQ_CON_RING);
    K(VIRQ_DEBUG);
    K(VIRQ_DEBUGGER);
    K(VIRQ_DOM_EXC);
    K(VIRQ_ENOMEM);
    K(VIRQ_MEM_EVENT);
    K(VIRQ_PCPU_STATE);
    K(VIRQ_TBUF);
    K(VIRQ_TIMER);
    K(VIRQ_XENOPROF);
    K(VIRQ_XENPMU);
    K(XENMAPIDX_grant_table_status);
    K(XENMAPSPACE_dev_mmio);
    K(XENMAPSPACE_gmfn);
    K(XENMAPSPACE_gmfn_foreign);
    K(XENMAPSPACE_gmfn_range);
    K(XENMAPSPACE_grant_table);
    K(XENMAPSPACE_shared_info);
    K(XENMEM_acquire_resource);
    K(XENMEM_add_to_physmap);
    K(XENMEM_add_to_physmap_batch);
    K(XENMEM_current_reservation);
    K(XENMEM_decrease_reservation);
    K(XENMEM_exchange);
    K(XENMEM_increase_reservation);
    K(XENMEM_machine_memory_map);
    K(XENMEM_machphys_mapping);
    K(XENMEM_machphys_mfn_list);
    K(XENMEM_maximum_gpfn);
    K(XENMEM_maximum_ram_page);
    K(XENMEM_maximum_reservation);
    K(XENMEM_memory_map);
    K(XENMEM_populate_physmap);
    K(XENMEM_remove_from_physmap);
    K(XENMEM_set_memory_map);
    K(XENVER_build_id);
    K(XENVER_capabilities);
    K(XENVER_changeset);
    K(XENVER_commandline);
    K(XENVER_compile_info);
    K(XENVER_extraversion);
    K(XENVER_get_features);
    K(XENVER_guest_handle);
    K(XENVER_pagesize);
    K(XENVER_platform_parameters);
    K(XENVER_version);
    K(XS_CONTROL);
    K(XS_DIRECTORY);
    K(XS_DIRECTORY_PART);
    K(XS_ERROR);
    K(XS_GET_DOMAIN_PATH);
    K(XS_GET_PERMS);
    K(XS_INTRODUCE);
    K(XS_INVALID);
    K(XS_IS_DOMAIN_INTRODUCED);
    K(XS_MKDIR);
    K(XS_READ);
    K(XS_RELEASE);
    K(XS_RESET_WATCHES);
    K(XS_RESUME);
    K(XS_RM);
    K(XS_SET_PERMS);
    K(XS_SET_TARGET);
    K(XS_TRANSACTION_END);
    K(XS_TRANSACTION_START);
    K(XS_TYPE_COUNT);
    K(XS_UNWATCH);
    K(XS_WATCH);
    K(XS_WATCH_EVENT);
    K(XS_WRITE);
    K(XenbusStateClosed);
    K(XenbusStateClosing);
    K(XenbusStateConnected);
    K(XenbusStateInitWait);
    K(XenbusStateInitialised);
    K(XenbusStateInitialising);
    K(XenbusStateReconfigured);
    K(XenbusStateReconfiguring);
    K(XenbusStateUnknown);
    K(__HYPERVISOR_arch_0);
    K(__HYPERVISOR_arch_1);
    K(__HYPERVISOR_arch_2);
    K(__HYPERVISOR_arch_3);
    K(__HYPERVISOR_arch_4);
    K(__HYPERVISOR_arch_5);
    K(__HYPERVISOR_arch_6);
    K(__HYPERVISOR_arch_7);
    K(__HYPERVISOR_argo_op);
    K(__HYPERVISOR_callback_op);
    K(__HYPERVISOR_console_io);
    K(__HYPERVISOR_dm_op);
    K(__HYPERVISOR_domctl);
    K(__HYPERVISOR_event_channel_op);
    K(__HYPERVISOR_event_channel_op_compat);
    K(__HYPERVISOR_fpu_taskswitch);
    K(__HYPERVISOR_get_debugreg);
    K(__HYPERVISOR_grant_table_op);
    K(__HYPERVISOR_hvm_op);
    K(__HYPERVISOR_hypfs_op);
    K(__HYPERVISOR_iret);
    K(__HYPERVISOR_kexec_op);
    K(__HYPERVISOR_memory_op);
    K(__HYPERVISOR_mmu_update);
    K(__HYPERVISOR_mmuext_op);
    K(__HYPERVISOR_multicall);
    K(__HYPERVISOR_nmi_op);
    K(__HYPERVISOR_physdev_op);
    K(__HYPERVISOR_physdev_op_compat);
    K(__HYPERVISOR_platform_op);
    K(__HYPERVISOR_sched_op);
    K(__HYPERVISOR_sched_op_compat);
    K(__HYPERVISOR_set_callbacks);
    K(__HYPERVISOR_set_debugreg);
    K(__HYPERVISOR_set_gdt);
    K(__HYPERVISOR_set_segment_base);
    K(__HYPERVISOR_set_timer_op);
    K(__HYPERVISOR_set_trap_table);
    K(__HYPERVISOR_stack_switch);
    K(__HYPERVISOR_sysctl);
    K(__HYPERVISOR_tmem_op);
    K(__HYPERVISOR_update_descriptor);
    K(__HYPERVISOR_update_va_mapping);
    K(__HYPERVISOR_update_va_mapping_otherdomain);
    K(__HYPERVISOR_vcpu_op);
    K(__HYPERVISOR_vm_assist);
    K(__HYPERVISOR_xen_version);
    K(__HYPERVISOR_xenoprof_op);
    K(__HYPERVISOR_xenpmu_op);
    K(__HYPERVISOR_xsm_op);
    return 0;
}

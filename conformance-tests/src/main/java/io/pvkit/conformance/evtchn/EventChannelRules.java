package io.pvkit.conformance.evtchn;

import io.pvkit.conformance.Rule;
import io.pvkit.conformance.RuleSet;
import java.util.List;

/**
 * The event-channel rules: {@code EVT-01} .. {@code EVT-11} from the adversarial catalogue (section 7.4),
 * {@code EVT-12} .. {@code EVT-17} for the 2-level ABI semantics (EVT-17 model-based), {@code EVT-18}
 * (a destroyed domain stays dead), {@code EVT-19} (no lock left held), {@code EVT-20} (VIRQ delivery), {@code EVT-21} (bad pointers,
 * unknown commands), {@code EVT-22} (close and send in progress) and {@code EVT-23} (destruction in bounded steps), tested by
 * {@link EventChannelVerification}; {@code EVTG-01} .. {@code EVTG-06} and {@code FE-08} (the frontend's side of an event storm) for a
 * guest's upcall demultiplexer,
 * tested by {@link GuestUpcallVerification}.
 */
public final class EventChannelRules implements RuleSet {

    private static final List<Rule> RULES = List.of(
            Rule.must("EVT-01",
                    "Allocating a port when none is free (alloc_unbound, bind_interdomain, bind_virq, bind_ipi) "
                            + "returns -ENOSPC, and the failed call changes no port of any domain.",
                    "XSA-317 (XTF xsa-317), XSA-496 (40c59b6c29); xen/common/event_channel.c get_free_port"),
            Rule.must("EVT-02",
                    "send, unmask, close, status and bind_vcpu on a negative, out-of-range or never-allocated "
                            + "port return -EINVAL (status of a free port in range reports closed) and change nothing; "
                            + "the port is range-checked, not used as an index whose exception a catch-all turns into "
                            + "-EINVAL (checked for every rule where the implementation reports what it caught).",
                    "XSA-221 (XTF xsa-221), XSA-342, d4bfa0c78f"),
            Rule.must("EVT-03",
                    "No port at or above the 2-level limit (4096 for 64-bit guests) is ever allocated or usable, "
                            + "and every allocated port stays valid while bound.",
                    "XSA-338 (e59ce972d1), XSA-342 (62bcdc4edb); xen/include/public/event_channel.h"),
            Rule.must("EVT-04",
                    "Closing a port clears its pending bit, an event sent to it afterwards goes nowhere, a "
                            + "reused port starts without the old binding's state, and a closed VIRQ port is gone from "
                            + "every vCPU's VIRQ table, so the VIRQ can be bound again.",
                    "XSA-331 (Linux 073d0552ead5), Xen 78e24c269b; xen/common/event_channel.c evtchn_free, "
                            + "evtchn_close (ECS_VIRQ: v->virq_to_evtchn[virq] = 0), evtchn_bind_virq (-EEXIST)"),
            Rule.must("EVT-05",
                    "EVTCHNOP_reset racing send and alloc_unbound from another vCPU either completes, returning 0 with "
                            + "every port closed (only ports allocated after it are open), or is refused with -EAGAIN "
                            + "(as it must be when a port allocated while it ran is still open); a second reset started "
                            + "while one runs is refused with -EBUSY, and the racing calls return only 0, a port or a "
                            + "negated errno.",
                    "XSA-343 (e045199c7c, 8d385b247b), XSA-505 (0e9d647aca), XSA-358"),
            Rule.must("EVT-06",
                    "EVTCHNOP_reset and domain destruction close every port however many are bound, leaving every "
                            + "peer unbound, and are preemptible with bounded latency: they close a bounded number of "
                            + "ports between preemption points, at which other domains' operations proceed.",
                    "XSA-344 (2785b2a9e0, 8fe7b5f996)"),
            Rule.must("EVT-07",
                    "EVTCHNOP_init_control with an invalid control page, followed by expand_array, fails cleanly "
                            + "and leaves the domain on a working 2-level ABI.",
                    "XSA-188 (XTF xsa-188), a4e0cea6fc"),
            Rule.must("EVT-08",
                    "While a port is pending, further sends change neither the selector nor evtchn_upcall_pending "
                            + "(pending is a level, not a counter), so a flooding peer raises at most one upcall.",
                    "XSA-332 (Linux late EOI); xen/common/event_2l.c evtchn_2l_set_pending"),
            Rule.must("EVT-09",
                    "EVTCHNOP_unmask of a masked pending port clears only its mask bit and raises the upcall "
                            + "exactly once on its notify vCPU (selector bit port / 64), for ports in every selector "
                            + "word, and unmasking it again, or unmasking a port that is not pending, raises nothing; "
                            + "the vCPU is kicked only when evtchn_upcall_pending goes from 0 to 1, and nothing is "
                            + "raised while the selector bit is still set.",
                    "XSA-332 (Linux 4d3fe31bd993, f01337197419); xen/common/event_2l.c evtchn_2l_unmask"),
            Rule.must("EVT-10",
                    "bind_interdomain to a port that is not unbound, not offered to the caller, or in a domain "
                            + "that does not exist fails, and an unprivileged alloc_unbound for another domain "
                            + "returns -EPERM; alloc_unbound, status and reset naming a domain that does not exist "
                            + "return -ESRCH (whatever its id, however many domains exist), and bind_ipi and "
                            + "bind_virq to a vCPU the domain does not have return -ENOENT; no binding is created.",
                    "xen/include/public/event_channel.h (evtchn_alloc_unbound, evtchn_bind_interdomain)"),
            Rule.must("EVT-11",
                    "bind_interdomain marks the new local port pending, so an event sent before the bind is "
                            + "not lost.",
                    "xen/include/public/event_channel.h; xen/common/event_channel.c evtchn_bind_interdomain"),
            Rule.must("EVT-12",
                    "send on an unbound port is dropped and returns 0, on an IPI port it marks the local port "
                            + "pending, and on a VIRQ port it returns -EINVAL.",
                    "xen/common/event_channel.c evtchn_send"),
            Rule.must("EVT-13",
                    "Closing one end of an interdomain channel turns the other end back into an unbound port "
                            + "offered to the closing domain.",
                    "xen/include/public/event_channel.h (EVTCHNOP_close); event_channel.c __evtchn_close"),
            Rule.must("EVT-14",
                    "send to an unmasked port sets its pending bit (bit port % 64 of word port / 64), the notify "
                            + "vCPU's selector bit port / 64 and evtchn_upcall_pending, kicking that vCPU exactly "
                            + "once, and to a masked port only the pending bit, for ports in every selector word and "
                            + "on every vCPU a domain may have (up to 32); no "
                            + "other bit changes, and nothing new is "
                            + "raised (nor the vCPU kicked) while the selector bit or evtchn_upcall_pending is still set.",
                    "xen/common/event_2l.c evtchn_2l_set_pending; xen/include/public/xen.h (shared_info)"),
            Rule.must("EVT-15",
                    "Port 0 is reserved: it is never allocated, reports closed, and cannot be closed or sent on.",
                    "xen/include/public/event_channel.h; xen/common/event_channel.c evtchn_init"),
            Rule.must("EVT-16",
                    "When a domain is destroyed, every interdomain peer of its ports goes back to unbound.",
                    "xen/common/event_channel.c evtchn_destroy"),
            Rule.must("EVT-17",
                    "Random sequences of event-channel operations across three domains give Xen's results and keep "
                            + "bindings symmetric, pending and mask bits as Xen sets them, every pending unmasked port "
                            + "raised, and upcalls delivering exactly the pending unmasked ports.",
                    "xen/common/event_channel.c, xen/common/event_2l.c (Xen 4.17); model-based"),
            Rule.must("EVT-18",
                    "A destroyed domain stays dead: binding a port it had offered and the status of its ports fail "
                            + "with -ESRCH, every port of another domain that named it stays unbound (sends dropped), "
                            + "and calls the domain itself makes while its destruction is under way allocate nothing.",
                    "xen/common/domain.c domain_kill/domain_destroy, xen/common/event_channel.c evtchn_destroy, "
                            + "evtchn_bind_interdomain and evtchn_status (rcu_lock_domain_by_id: -ESRCH)"),
            Rule.must("EVT-19",
                    "No operation leaves a lock held: after every EVTCHNOP, on its success path and on each of its "
                            + "error paths, and after domain creation and destruction, another vCPU's status, send, "
                            + "alloc_unbound and close on the ports just touched return.",
                    "xen/common/event_channel.c (event_lock, evtchn_read_lock/evtchn_write_lock released on "
                            + "every path); a lock left held deadlocks every other vCPU"),
            Rule.must("EVT-20",
                    "A VIRQ the hypervisor raises follows its binding: a per-vCPU VIRQ is delivered only through the "
                            + "port bound on the vCPU it is raised for, a global VIRQ to its port's notify vCPU, each "
                            + "exactly like a send to that port, and a VIRQ not bound there, closed, or with a bad "
                            + "number or vCPU sets nothing.",
                    "xen/common/event_channel.c send_guest_vcpu_virq, send_guest_global_virq, evtchn_bind_vcpu"),
            Rule.must("EVT-21",
                    "An EVTCHNOP whose argument structure is not inside the caller's memory returns -EFAULT, an "
                            + "unknown command returns -ENOSYS, and neither binds a port or raises an upcall.",
                    "xen/common/event_channel.c do_event_channel_op (copy_from_guest: -EFAULT; default: -ENOSYS)"),
            Rule.must("EVT-22",
                    "A close of a port returns only after every send, unmask and VIRQ delivery in progress on it or "
                            + "on its interdomain peer has finished, and a send that meets a close in progress on either "
                            + "end waits for it and then finds the port closed (on the peer's end: unbound), so that no "
                            + "event marks a port after its close returned.",
                    "XSA-343 (Xen 4.15 per-channel locks: evtchn_send holds evtchn_read_lock, evtchn_close takes "
                            + "double_evtchn_lock / evtchn_write_lock, which waits for the readers); "
                            + "xen/common/event_channel.c"),
            Rule.should("EVT-23",
                    "A domain's destruction can run in steps that each close at most a given number of ports and move "
                            + "on through the port table (with every port bound, each step closes at least one), report "
                            + "not done while a port remains, and end with the step that closes the last port reporting "
                            + "done; between two steps the dying domain allocates nothing (alloc_unbound, bind_ipi, "
                            + "bind_interdomain fail).",
                    "XSA-344 (2785b2a9e0: evtchn_destroy preemptible, continued after -ERESTART); "
                            + "xen/common/event_channel.c evtchn_destroy, get_free_port (d->is_dying)"),
            Rule.must("EVTG-01",
                    "A guest's upcall under a storm on one port (its pending bit set again as soon as it is acked) "
                            + "returns after a bounded number of handler calls and still serves every other pending "
                            + "unmasked port, each event once.",
                    "XSA-332 (event storms from a hostile peer); Linux drivers/xen/events/events_2l.c "
                            + "evtchn_2l_handle_events; guest side of EVT-08"),
            Rule.must("EVTG-02",
                    "A guest's local unmask of a masked pending port delivers the event exactly once on the next upcall, "
                            + "for ports in every selector word.",
                    "XSA-332 (Linux 4d3fe31bd993); Linux events_2l.c evtchn_2l_unmask; guest side of EVT-09"),
            Rule.must("EVTG-03",
                    "A handler that closes its own port while it runs, with the port reused at once by a new binding, "
                            + "is called once: a late event for the old binding goes nowhere and the new binding's event "
                            + "goes to the new handler only, exactly once; a port the guest unregistered stays masked, so "
                            + "a late event for it raises no upcall and runs no handler (even one already in the scan's "
                            + "snapshot), the other ports of its word are still served, and a pending port not bound to "
                            + "the guest's vCPU is left pending.",
                    "XSA-331 (Linux 073d0552ead5 \"avoid removing an event channel while handling it\"); "
                            + "Xen 78e24c269b; guest side of EVT-04"),
            Rule.must("EVTG-04",
                    "A guest consumes only events that are published and still pending when it acks them: a "
                            + "selector bit without a pending bit, a masked pending port, and an event the hypervisor "
                            + "withdrew between the guest's pending/mask snapshot and its ack run no handler.",
                    "Linux drivers/xen/events/events_2l.c evtchn_2l_handle_events (active_evtchns snapshot, "
                            + "clear_evtchn before the handler), 073d0552ead5; xen/common/event_channel.c evtchn_free"),
            Rule.should("EVTG-05",
                    "A guest serves the pending unmasked ports of its upcalls in Linux's order: ascending from the port "
                            + "after the last one it served, across the selected words, wrapping from port 4095 to "
                            + "port 0.",
                    "Linux drivers/xen/events/events_2l.c evtchn_2l_handle_events (current_word_idx, "
                            + "current_bit_idx); the order that keeps a storming port from starving the others"),
            Rule.must("EVTG-06",
                    "A guest's unmask of a pending port bound to another of its vCPUs delivers the event to that vCPU: "
                            + "its selector bit port / 64 and evtchn_upcall_pending are set and it is kicked (through "
                            + "EVTCHNOP_unmask, as only the hypervisor can wake another vCPU), its next upcall runs "
                            + "the handler once, and nothing is set on the unmasking vCPU, whose upcall leaves the "
                            + "port pending; unmasking a port that is not pending raises nothing.",
                    "Linux drivers/xen/events/events_2l.c evtchn_2l_unmask (cpu != cpu_from_evtchn(port): "
                            + "EVTCHNOP_unmask); xen/common/event_channel.c evtchn_unmask, event_2l.c evtchn_2l_unmask; "
                            + "guest side of EVT-09"),
            Rule.must("FE-08",
                    "A frontend facing an event storm from its backend does bounded work: any number of sends on a "
                            + "pending port cost one handler call, an upcall with nothing newly pending costs none, and "
                            + "the frontend's other ports are still served.",
                    "XSA-391 (CVE-2021-28711/28712/28713, Linux lateeoi for blkfront/netfront/hvc_xen); XSA-332"));

    /** Creates the rule set (the catalogue does this once). */
    public EventChannelRules() {
    }

    @Override
    public String area() {
        return "Event channels";
    }

    @Override
    public List<Rule> rules() {
        return RULES;
    }
}

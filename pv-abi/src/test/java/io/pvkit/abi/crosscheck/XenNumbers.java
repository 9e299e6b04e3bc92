package io.pvkit.abi.crosscheck;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatus;
import io.pvkit.abi.evtchn.Virq;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.PhysMapSpace;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.abi.platform.VcpuOp;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.platform.XenVersionOp;
import io.pvkit.abi.xenstore.XenbusState;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The C name and value of every number pv-abi defines in its code enums and constant classes, by a
 * fixed naming rule per class (e.g. {@code EvtchnOp.SEND} is {@code EVTCHNOP_send}).
 */
final class XenNumbers {
    /** Java constants with no C macro of their own (derived or pvkit-specific values). */
    static final Set<String> NOT_IN_C = Set.of("GrantRefs.STATUS_ENTRIES_PER_FRAME", "HvmParam.CALLBACK_TYPE_SHIFT",
            "XenVersionOp.EXTRAVERSION_LENGTH", "XenErrno.EINTR", "XenErrno.ERESTART");

    private XenNumbers() {
    }

    /** C name to value for everything pv-abi defines. */
    static Map<String, Long> expected() throws ReflectiveOperationException {
        Map<String, Long> m = new TreeMap<>();
        for (HypercallOp op : HypercallOp.values()) {
            m.put("__HYPERVISOR_" + op.cName(), (long) op.number());
        }
        for (XenErrno e : XenErrno.values()) {
            if (!NOT_IN_C.contains("XenErrno." + e.name())) {
                m.put("XEN_" + e.name(), (long) e.value());
            }
        }
        // aliases the Java enum documents instead of duplicating
        m.put("XEN_EWOULDBLOCK", (long) XenErrno.EAGAIN.value());
        m.put("XEN_EDEADLOCK", (long) XenErrno.EDEADLK.value());
        codes(m, EvtchnOp.values(), "EVTCHNOP_", XenNumbers::lower);
        codes(m, EvtchnStatus.values(), "EVTCHNSTAT_", XenNumbers::lower);
        codes(m, Virq.values(), "VIRQ_", n -> n);
        codes(m, GrantTableOp.values(), "GNTTABOP_", XenNumbers::lower);
        codes(m, GrantStatus.values(), "GNTST_", XenNumbers::lower);
        codes(m, SchedOp.values(), "SCHEDOP_", XenNumbers::lower);
        codes(m, ShutdownReason.values(), "SHUTDOWN_", XenNumbers::lower);
        codes(m, PhysMapSpace.values(), "XENMAPSPACE_", XenNumbers::lower);
        codes(m, XenbusState.values(), "XenbusState", XenNumbers::camel);
        codes(m, XsdSockmsgType.values(), "XS_", n -> n);
        codes(m, BlkifOp.values(), "BLKIF_OP_", n -> n);
        constants(m, HypercallOp.class, n -> "__HYPERVISOR_" + lower(n));
        constants(m, Virq.class, n -> n.equals("NR_VIRQS") ? n : "VIRQ_" + n);
        constants(m, PhysMapSpace.class, n -> "XENMAPIDX_grant_table_status");
        constants(m, XsdSockmsgType.class, n -> "XS_" + n);
        constants(m, GrantFlags.class, n -> Set.of("PWT", "PCD", "PAT").contains(n) ? "GTF_" + n : "GTF_" + lower(n));
        constants(m, GntMap.class, n -> "GNTMAP_" + lower(n));
        constants(m, GntCopy.class, n -> "GNTCOPY_" + lower(n));
        constants(m, GrantRefs.class, n -> "GNTTAB_" + n);
        constants(m, XenMemOp.class, n -> "XENMEM_" + lower(n));
        constants(m, HvmOp.class, n -> "HVMOP_" + lower(n));
        constants(m, HvmParam.class, n -> "HVM_PARAM_" + n);
        constants(m, ConsoleIoOp.class, n -> "CONSOLEIO_" + lower(n));
        constants(m, XenVersionOp.class, n -> "XENVER_" + lower(n));
        constants(m, VcpuOp.class, n -> "VCPUOP_" + lower(n));
        constants(m, DomId.class, n -> "DOMID_" + n);
        return m;
    }

    private static void codes(Map<String, Long> m, Enum<?>[] values, String prefix, Function<String, String> rule)
            throws ReflectiveOperationException {
        for (Enum<?> v : values) {
            long code = ((Number) v.getClass().getMethod("code").invoke(v)).longValue();
            put(m, prefix + rule.apply(v.name()), code);
        }
    }

    private static void constants(Map<String, Long> m, Class<?> c, Function<String, String> rule)
            throws IllegalAccessException {
        for (Field f : c.getFields()) {
            int mod = f.getModifiers();
            boolean number = f.getType() == int.class || f.getType() == long.class || f.getType() == short.class;
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && number
                    && !NOT_IN_C.contains(c.getSimpleName() + "." + f.getName())) {
                Object v = f.get(null);
                // C prints 32-bit masks such as GNTMAP_guest_avail_mask unsigned
                long value = v instanceof Integer i ? Integer.toUnsignedLong(i) : ((Number) v).longValue();
                put(m, rule.apply(f.getName()), value);
            }
        }
    }

    private static void put(Map<String, Long> m, String name, long value) {
        Long old = m.put(name, value);
        if (old != null && old != value) {
            throw new IllegalStateException(name + " defined twice: " + old + " and " + value);
        }
    }

    private static String lower(String n) {
        return n.toLowerCase(Locale.ROOT);
    }

    private static String camel(String n) {
        StringBuilder b = new StringBuilder();
        for (String part : n.split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }
}

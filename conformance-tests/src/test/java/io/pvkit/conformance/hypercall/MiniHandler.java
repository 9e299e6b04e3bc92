package io.pvkit.conformance.hypercall;

import static io.pvkit.conformance.internal.XenNumbers.*;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.HypercallResults;
import io.pvkit.abi.spi.HypercallHandler;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small, correct hypercall handler that implements just enough for HypercallAbiVerification:
 * xen_version (version and the string sub-ops), console_io write/read, domctl/sysctl with an
 * interface-version and privilege check, event_channel_op/grant_table_op sub-op dispatch, sched_op
 * yield and multicall. The broken variants in HypercallAbiVerificationSelfTest override one method each.
 */
class MiniHandler implements HypercallHandler {

    static final long ENOSYS = XenErrno.ENOSYS.negated();
    static final long EPERM = XenErrno.EPERM.negated();
    static final long EINVAL = XenErrno.EINVAL.negated();
    static final long EACCES = XenErrno.EACCES.negated();

    private final Map<Integer, ByteArrayOutputStream> console = new ConcurrentHashMap<>();
    private final byte[] consoleInput = "pvkit console input\n".getBytes(StandardCharsets.US_ASCII);

    byte[] consoleOutput(int domid) {
        ByteArrayOutputStream out = console.get(domid);
        return out == null ? new byte[0] : out.toByteArray();
    }

    @Override
    public long hypercall(HypercallContext caller, long op, long a1, long a2, long a3, long a4, long a5) {
        return HypercallResults.guard(() -> dispatch(caller, op, a1, a2, a3, a4, a5));
    }

    long dispatch(HypercallContext c, long op, long a1, long a2, long a3, long a4, long a5) {
        if (op == HYPERVISOR_xen_version) {
            return xenVersion(c, (int) a1, a2);
        } else if (op == HYPERVISOR_console_io) {
            return consoleIo(c, (int) a1, a2 & 0xFFFF_FFFFL, a3);
        } else if (op == HYPERVISOR_domctl) {
            return control(c, a1, XEN_DOMCTL_INTERFACE_VERSION, XEN_DOMCTL_getdomaininfo);
        } else if (op == HYPERVISOR_sysctl) {
            return control(c, a1, XEN_SYSCTL_INTERFACE_VERSION, XEN_SYSCTL_physinfo);
        } else if (op == HYPERVISOR_event_channel_op) {
            return eventChannelOp(c, (int) a1, a2);
        } else if (op == HYPERVISOR_grant_table_op) {
            return grantTableOp(c, (int) a1, a2, a3 & 0xFFFF_FFFFL);
        } else if (op == HYPERVISOR_sched_op) {
            return (int) a1 == SCHEDOP_yield ? 0 : ENOSYS;
        } else if (op == HYPERVISOR_multicall) {
            return multicall(c, a1, a2 & 0xFFFF_FFFFL);
        }
        return unknownOp(c, op);
    }

    long unknownOp(HypercallContext c, long op) {
        return ENOSYS;
    }

    long xenVersion(HypercallContext c, int cmd, long arg) {
        return switch (cmd) {
            case XENVER_version -> (4 << 16) | 17;
            case XENVER_extraversion -> copyString(c, arg, 16, ".0-pvkit");
            case XENVER_compile_info -> {
                MemorySegment info = MemorySegment.ofArray(new byte[144]);
                putString(info, 0, 64, "javac 25");
                putString(info, 64, 16, "pvkit");
                putString(info, 80, 32, "pvkit.io");
                putString(info, 112, 32, "today");
                c.copyOut(arg, info);
                yield 0;
            }
            case XENVER_capabilities -> copyString(c, arg, 1024, "xen-3.0-x86_64");
            case XENVER_changeset -> copyString(c, arg, 64, "unavailable");
            default -> ENOSYS;
        };
    }

    long copyString(HypercallContext c, long arg, int size, String value) {
        MemorySegment out = MemorySegment.ofArray(new byte[size]);
        putString(out, 0, size, value);
        c.copyOut(arg, out);
        return 0;
    }

    static void putString(MemorySegment s, long offset, int size, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, s, offset, Math.min(b.length, size - 1));
    }

    long consoleIo(HypercallContext c, int cmd, long count, long buffer) {
        return switch (cmd) {
            case CONSOLEIO_write -> consoleWrite(c, count, buffer);
            case CONSOLEIO_read -> {
                if (!c.privileged()) {
                    yield EPERM;
                }
                int n = (int) Math.min(count, consoleInput.length);
                c.copyOut(buffer, MemorySegment.ofArray(consoleInput).asSlice(0, n));
                yield n;
            }
            default -> ENOSYS;
        };
    }

    /** Copies the whole range in one checked step (bad pointer or overflow: -EFAULT), then emits it. */
    long consoleWrite(HypercallContext c, long count, long buffer) {
        long gpa = c.resolve(buffer, count, 1);
        byte[] bytes = new byte[(int) count];
        c.memory().read(gpa, bytes, 0, bytes.length);
        console.computeIfAbsent(c.domid(), d -> new ByteArrayOutputStream()).writeBytes(bytes);
        return 0;
    }

    /** domctl / sysctl: copy in the header, check the interface version, then privilege, then the cmd. */
    long control(HypercallContext c, long arg, int version, int knownCmd) {
        long gpa = c.resolve(arg, 16, 8);
        int cmd = c.memory().getInt(gpa);
        int interfaceVersion = c.memory().getInt(gpa + 4);
        if (interfaceVersion != version) {
            return EACCES;
        }
        if (!privilegeGranted(c)) {
            return EPERM;
        }
        if (cmd != knownCmd) {
            return ENOSYS;
        }
        c.memory().setInt(gpa + 12, 1);
        return 0;
    }

    boolean privilegeGranted(HypercallContext c) {
        return c.privileged();
    }

    long eventChannelOp(HypercallContext c, int cmd, long arg) {
        if (cmd < 0 || cmd > 15) {
            return ENOSYS;
        }
        c.copyIn(arg, java.lang.foreign.MemoryLayout.sequenceLayout(24, java.lang.foreign.ValueLayout.JAVA_BYTE));
        return EINVAL;
    }

    long grantTableOp(HypercallContext c, int cmd, long uops, long count) {
        if (cmd < 0 || cmd > 12) {
            return ENOSYS;
        }
        if (count > Integer.MAX_VALUE) {
            return EINVAL;
        }
        if (count > 0) {
            c.resolve(uops, 16, 4);
        }
        return EINVAL;
    }

    long multicall(HypercallContext c, long entries, long nr) {
        for (long i = 0; i < nr; i++) {
            long entry = entries + i * MULTICALL_ENTRY_SIZE;
            long gpa = c.resolve(entry, MULTICALL_ENTRY_SIZE, 8);
            long op = c.memory().getLong(gpa);
            long[] args = new long[6];
            for (int k = 0; k < 6; k++) {
                args[k] = c.memory().getLong(gpa + 16 + 8L * k);
            }
            long result = op == HYPERVISOR_multicall ? EINVAL
                    : hypercall(elementContext(c), op, args[0], args[1], args[2], args[3], args[4]);
            c.memory().setLong(gpa + 8, result);
        }
        return 0;
    }

    HypercallContext elementContext(HypercallContext c) {
        return c;
    }
}

package io.pvkit.hypervisor.internal;

import io.pvkit.abi.xenstore.XsdSockmsgLayout;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.abi.xenstore.XsdSockmsgType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The toolstack's xenstore client (libxl's role): talks {@code xs_wire} to domain 0's xenstored over its
 * tools socket, as domain 0, and writes a new guest's directories in one transaction (retried on
 * {@code EAGAIN}): its home {@code /local/domain/<id>} (owned by domain 0, readable by the guest) with
 * {@code name}, {@code domid} and a guest-owned {@code device}; the {@code pvkit-echo} device's frontend
 * directory (guest-owned, readable by domain 0) and backend directory (domain 0's, readable by the guest).
 * Synchronous; one request at a time; used under the hypervisor's lifecycle lock.
 */
public final class XenstoreToolstack implements AutoCloseable {
    /** Where the vbd backends live: {@code /local/domain/0/backend/vbd}. */
    public static final String VBD_BACKEND = "/local/domain/0/backend/vbd";
    private final SocketChannel channel;
    private int reqId = 1;

    /**
     * Connects.
     *
     * @param socket xenstored's socket
     * @throws UncheckedIOException when it cannot connect
     */
    public XenstoreToolstack(Path socket) {
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to xenstored at " + socket, e);
        }
    }

    /**
     * Writes a guest's directories (libxl's {@code libxl__domain_make} and device add).
     *
     * @param domid the guest
     * @param name its name
     */
    public void writeGuest(int domid, String name) {
        writeGuest(domid, name, List.of());
    }

    /**
     * Writes a guest's directories and the vbd device of each disk (libxl's {@code libxl__device_disk_add}):
     * frontend {@code /local/domain/<id>/device/vbd/<devid>} ({@code backend}, {@code backend-id} 0,
     * {@code state} 1, {@code virtual-device}, {@code device-type} disk; owned by the guest, readable by domain
     * 0) and backend {@code /local/domain/0/backend/vbd/<id>/<devid>} ({@code frontend}, {@code frontend-id},
     * {@code params}, {@code mode}, {@code online} 1, {@code state} 1, {@code type} file, {@code dev}; owned
     * by domain 0, readable by the guest), all in the same transaction as the guest's home.
     *
     * @param domid the guest
     * @param name its name
     * @param disks its disks, {@code xvda} first
     */
    public void writeGuest(int domid, String name, List<DiskConfig> disks) {
        String home = "/local/domain/" + domid;
        String fe = home + "/device/pvkit-echo/0";
        String be = "/local/domain/0/backend/pvkit-echo/" + domid + "/0";
        for (int attempt = 0; attempt < 16; attempt++) {
            int tx = Integer.parseInt(call(XsdSockmsgType.TRANSACTION_START, 0, "\0").replace("\0", ""));
            call(XsdSockmsgType.MKDIR, tx, home + "\0");
            call(XsdSockmsgType.SET_PERMS, tx, home + "\0n0\0r" + domid + "\0");
            call(XsdSockmsgType.WRITE, tx, home + "/name\0" + name);
            call(XsdSockmsgType.WRITE, tx, home + "/domid\0" + domid);
            call(XsdSockmsgType.MKDIR, tx, home + "/device\0");
            call(XsdSockmsgType.SET_PERMS, tx, home + "/device\0n" + domid + "\0");
            call(XsdSockmsgType.MKDIR, tx, be + "\0");
            for (String p : new String[] {"/local/domain/0/backend/pvkit-echo/" + domid, be}) {
                call(XsdSockmsgType.SET_PERMS, tx, p + "\0n0\0r" + domid + "\0");
            }
            call(XsdSockmsgType.WRITE, tx, be + "/frontend\0" + fe);
            call(XsdSockmsgType.WRITE, tx, be + "/frontend-id\0" + domid);
            call(XsdSockmsgType.WRITE, tx, be + "/state\0" + 1);
            call(XsdSockmsgType.MKDIR, tx, fe + "\0");
            call(XsdSockmsgType.SET_PERMS, tx, home + "/device/pvkit-echo\0n" + domid + "\0r0\0");
            call(XsdSockmsgType.SET_PERMS, tx, fe + "\0n" + domid + "\0r0\0");
            call(XsdSockmsgType.WRITE, tx, fe + "/backend\0" + be);
            call(XsdSockmsgType.WRITE, tx, fe + "/backend-id\0" + 0);
            call(XsdSockmsgType.WRITE, tx, fe + "/state\0" + 1);
            for (String k : new String[] {"backend", "backend-id", "state"}) {
                call(XsdSockmsgType.SET_PERMS, tx, fe + "/" + k + "\0n" + domid + "\0r0\0");
            }
            for (String k : new String[] {"frontend", "frontend-id", "state"}) {
                call(XsdSockmsgType.SET_PERMS, tx, be + "/" + k + "\0n0\0r" + domid + "\0");
            }
            for (int i = 0; i < disks.size(); i++) {
                writeVbd(tx, domid, i, disks.get(i));
            }
            if (!end(tx)) {
                continue;
            }
            return;
        }
        throw new IllegalStateException("xenstore transaction for domain " + domid + " kept conflicting");
    }

    private void writeVbd(int tx, int domid, int index, DiskConfig disk) {
        int devid = DiskConfig.deviceId(index);
        String feDir = "/local/domain/" + domid + "/device/vbd";
        String beDir = VBD_BACKEND + "/" + domid;
        String fe = feDir + "/" + devid;
        String be = beDir + "/" + devid;
        String fePerms = "\0n" + domid + "\0r0\0";
        String bePerms = "\0n0\0r" + domid + "\0";
        call(XsdSockmsgType.MKDIR, tx, be + "\0");
        call(XsdSockmsgType.SET_PERMS, tx, beDir + bePerms);
        call(XsdSockmsgType.SET_PERMS, tx, be + bePerms);
        String[][] backend = {
            {"frontend", fe}, {"frontend-id", Integer.toString(domid)}, {"params", disk.image().toString()},
            {"mode", disk.readOnly() ? "r" : "w"}, {"online", "1"}, {"state", "1"}, {"type", "file"},
            {"dev", DiskConfig.deviceName(index)}};
        for (String[] kv : backend) {
            call(XsdSockmsgType.WRITE, tx, be + "/" + kv[0] + "\0" + kv[1]);
            call(XsdSockmsgType.SET_PERMS, tx, be + "/" + kv[0] + bePerms);
        }
        call(XsdSockmsgType.MKDIR, tx, fe + "\0");
        call(XsdSockmsgType.SET_PERMS, tx, feDir + fePerms);
        call(XsdSockmsgType.SET_PERMS, tx, fe + fePerms);
        String[][] frontend = {
            {"backend", be}, {"backend-id", "0"}, {"state", "1"}, {"virtual-device", Integer.toString(devid)},
            {"device-type", "disk"}};
        for (String[] kv : frontend) {
            call(XsdSockmsgType.WRITE, tx, fe + "/" + kv[0] + "\0" + kv[1]);
            call(XsdSockmsgType.SET_PERMS, tx, fe + "/" + kv[0] + fePerms);
        }
    }

    /**
     * Removes a destroyed guest's backend device directories (libxl removes them at device destroy; the
     * frontend directories go with the guest's home when xenstored releases it).
     *
     * @param domid the guest
     */
    public void removeGuestDevices(int domid) {
        try {
            call(XsdSockmsgType.RM, 0, VBD_BACKEND + "/" + domid + "\0");
        } catch (IllegalStateException e) {
            if (!e.getMessage().startsWith("ENOENT")) {
                throw e;
            }
        }
    }

    private boolean end(int tx) {
        try {
            call(XsdSockmsgType.TRANSACTION_END, tx, "T\0");
            return true;
        } catch (IllegalStateException e) {
            if (e.getMessage().startsWith("EAGAIN")) {
                return false;
            }
            throw e;
        }
    }

    /** One request; the reply's payload, or IllegalStateException("NAME ...") for an XS_ERROR reply. */
    String call(XsdSockmsgType type, int tx, String payload) {
        byte[] body = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate((int) XsdSockmsgLayout.SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        int id = reqId++;
        out.putInt(type.code()).putInt(id).putInt(tx).putInt(body.length).put(body).flip();
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
            while (true) {
                ByteBuffer h = read((int) XsdSockmsgLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
                int rtype = h.getInt((int) XsdSockmsgLayout.TYPE_OFFSET);
                int len = h.getInt((int) XsdSockmsgLayout.LEN_OFFSET);
                if (len < 0 || len > XsdSockmsgLayout.PAYLOAD_MAX) {
                    throw new IllegalStateException("EIO: reply length " + len);
                }
                String reply = new String(read(len).array(), StandardCharsets.ISO_8859_1);
                if (rtype == XsdSockmsgType.WATCH_EVENT.code()) {
                    continue; // the toolstack registers no watches; ignore anything unsolicited
                }
                if (rtype == XsdSockmsgType.ERROR.code()) {
                    throw new IllegalStateException(reply.replace("\0", "") + " from " + type + " " + payload.replace('\0', ' '));
                }
                return reply;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("xenstored connection failed", e);
        }
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("xenstored closed the connection");
            }
        }
        return b.flip();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

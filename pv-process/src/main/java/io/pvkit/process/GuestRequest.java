package io.pvkit.process;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a guest process asks for when it joins ({@code struct pvkit_hello}): vCPUs, memory and a name.
 *
 * @param vcpus the number of vCPUs, 1 to {@value MailboxLayout#MAX_VCPUS}
 * @param frames guest memory in 4096-byte frames, 1 to {@link SealedGuestMemory#MAX_FRAMES}
 * @param name a label for logs, at most {@value SessionHelloLayout#NAME_BYTES} bytes of UTF-8 (longer is cut)
 */
public record GuestRequest(int vcpus, long frames, String name) {
    /**
     * Validates the request.
     *
     * @param vcpus the number of vCPUs
     * @param frames guest memory in frames
     * @param name a label
     * @throws IllegalArgumentException when a number is out of range
     */
    public GuestRequest {
        MailboxLayout.checkVcpus(vcpus);
        if (frames < 1 || frames > SealedGuestMemory.MAX_FRAMES) {
            throw new IllegalArgumentException("frames must be 1.." + SealedGuestMemory.MAX_FRAMES + ", got " + frames);
        }
        Objects.requireNonNull(name, "name");
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > SessionHelloLayout.NAME_BYTES) {
            name = new String(utf8, 0, SessionHelloLayout.NAME_BYTES, StandardCharsets.UTF_8);
        }
    }
}

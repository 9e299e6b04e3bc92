package io.pvkit.hypervisor;

import io.pvkit.process.GuestRequest;

/**
 * Decides what domain a guest process that joins through {@link Hypervisor#listenForGuests} gets: the
 * toolstack's side of the handshake (the guest only asks for vCPUs, frames and a name; its disks, command
 * line and privilege are the hypervisor's choice).
 */
@FunctionalInterface
public interface GuestPolicy {
    /**
     * The configuration of the domain for a joining guest. Its {@code entry} must be null (the guest's code
     * runs in its own process) and its {@code backing} is ignored (the memory is a sealed memfd the guest
     * maps); {@code memoryFrames} is the guest's {@code nr_pages} (the special pages come on top) and
     * {@code vcpus} must not exceed the request's.
     *
     * @param request what the guest asked for (range-checked, the name is untrusted text)
     * @return the domain to build
     * @throws RuntimeException to refuse the guest (it gets {@code -EINVAL})
     */
    DomainConfig configFor(GuestRequest request);

    /**
     * The default: an unprivileged domain with what the guest asked for, no disks and no extra command line;
     * its name is the requested one with every character outside {@code [A-Za-z0-9._-]} replaced by
     * {@code _} ({@code guest} when empty). A name already in use refuses the guest.
     *
     * @return the policy
     */
    static GuestPolicy asRequested() {
        return request -> new DomainConfig(domainName(request), request.frames(), request.vcpus(), false, null, "",
                null);
    }

    /**
     * A guest's requested name as a domain name: characters outside {@code [A-Za-z0-9._-]} become {@code _},
     * empty becomes {@code guest}.
     *
     * @param request the request
     * @return the name
     */
    static String domainName(GuestRequest request) {
        String n = request.name().replaceAll("[^A-Za-z0-9._-]", "_");
        return n.isEmpty() ? "guest" : n.length() > 64 ? n.substring(0, 64) : n;
    }
}

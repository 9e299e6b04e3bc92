package io.pvkit.guest;

import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GuestGrantTable;
import io.pvkit.xenbus.FrontendDevice;
import io.pvkit.xenbus.XenbusClient;

import java.util.Objects;
import java.util.Optional;

/**
 * A booted reference guest as its {@link Workload} sees it: the validated start info, the console,
 * the event loop, the grant table, the raw hypercall wrappers, the options and the live counters.
 *
 * <p>Not thread-safe: everything here belongs to vCPU 0's thread, which runs the workload.
 */
public final class GuestEnvironment {
    private final StartInfo startInfo;
    private final GuestMemory memory;
    private final PlatformCalls calls;
    private final EventLoop events;
    private final GuestGrantTable grantTable;
    private final ConsoleFrontend console;
    private final GuestOptions options;
    private final GuestStats stats;
    private final int domid;
    private long workloadStart;
    private GuestXenbus xenbus;
    private int echoPort;

    GuestEnvironment(StartInfo startInfo, GuestMemory memory, int domid, PlatformCalls calls, EventLoop events,
                     GuestGrantTable grantTable, ConsoleFrontend console, GuestOptions options, GuestStats stats) {
        this.startInfo = Objects.requireNonNull(startInfo);
        this.memory = Objects.requireNonNull(memory);
        this.domid = domid;
        this.calls = Objects.requireNonNull(calls);
        this.events = Objects.requireNonNull(events);
        this.grantTable = Objects.requireNonNull(grantTable);
        this.console = Objects.requireNonNull(console);
        this.options = Objects.requireNonNull(options);
        this.stats = Objects.requireNonNull(stats);
        this.echoPort = startInfo.commandLine().echoPort();
    }

    /**
     * The validated start info.
     *
     * @return the start info
     */
    public StartInfo startInfo() {
        return startInfo;
    }

    /**
     * The command line (a shortcut for {@code startInfo().commandLine()}).
     *
     * @return the command line
     */
    public CommandLine commandLine() {
        return startInfo.commandLine();
    }

    /**
     * The guest's domain id as its hypercall context names it.
     *
     * @return the domain id
     */
    public int domid() {
        return domid;
    }

    /**
     * The guest's memory. Frames {@code [1, startInfo().nrPages())} are free for the workload (frame 0
     * is the hypercall scratch area); the special pages above {@code nrPages} belong to their protocols.
     *
     * @return the memory
     */
    public GuestMemory memory() {
        return memory;
    }

    /**
     * The console.
     *
     * @return the connected console frontend
     */
    public ConsoleFrontend console() {
        return console;
    }

    /**
     * Writes a console line when the configured verbosity includes {@code level}.
     *
     * @param level the line's level ({@link ConsoleVerbosity#QUIET} lines are always written)
     * @param line the text
     */
    public void log(ConsoleVerbosity level, String line) {
        if (options.verbosity().includes(level)) {
            console.println(line);
        }
    }

    /**
     * The event loop.
     *
     * @return the event loop
     */
    public EventLoop events() {
        return events;
    }

    /**
     * The guest's grant table (references from 8 up are free to grant).
     *
     * @return the grant table
     */
    public GuestGrantTable grantTable() {
        return grantTable;
    }

    /**
     * The raw hypercall wrappers (their scratch area is frame 0).
     *
     * @return the wrappers of vCPU 0
     */
    public GuestHypercalls hypercalls() {
        return calls.hypercalls();
    }

    /**
     * The options the guest was started with.
     *
     * @return the options
     */
    public GuestOptions options() {
        return options;
    }

    /**
     * The live counters.
     *
     * @return the guest's stats
     */
    public GuestStats stats() {
        return stats;
    }

    /**
     * Whether the workload should stop: {@code roundsDone} reached {@link GuestOptions#rounds()}, or the
     * configured duration has passed since {@link Workload#run} started.
     *
     * @param roundsDone rounds completed so far
     * @return true when a limit is reached
     */
    public boolean limitReached(long roundsDone) {
        if (roundsDone >= options.rounds()) {
            return true;
        }
        return options.duration().map(d -> System.nanoTime() - workloadStart - d.toNanos() >= 0).orElse(false);
    }

    /**
     * The guest's xenstore client (over its ring page; listeners run on this vCPU thread, inside
     * {@link XenbusClient#awaitEvents(java.time.Duration)}).
     *
     * @return the client, or empty when no xenstored answered at boot
     */
    public Optional<XenbusClient> xenstore() {
        return Optional.ofNullable(xenbus).map(GuestXenbus::client);
    }

    /**
     * The guest's home in xenstore ({@code XS_GET_DOMAIN_PATH}, else {@code /local/domain/<id>}).
     *
     * @return the home path, or empty when no xenstored answered at boot
     */
    public Optional<String> xenstoreHome() {
        return Optional.ofNullable(xenbus).map(GuestXenbus::home);
    }

    /**
     * The echo device's frontend, connected by the xenbus handshake at boot.
     *
     * @return the device, or empty when there is no xenstore or no {@code device/pvkit-echo/0}
     */
    public Optional<FrontendDevice> echoDevice() {
        return Optional.ofNullable(xenbus).map(GuestXenbus::echo);
    }

    /**
     * The guest's end of the echo channel to domain 0: the port the xenbus handshake published as the echo
     * device's {@code event-channel}, or else the {@code pvkit.echo} command-line word.
     *
     * @return a port 1..4095
     */
    public int echoPort() {
        return echoPort;
    }

    void xenbus(GuestXenbus xb, int port) {
        this.xenbus = xb;
        if (port > 0) {
            this.echoPort = port;
        }
    }

    GuestXenbus xenbus() {
        return xenbus;
    }

    /** Whether the backend closed the echo device (reads xenstore's events without waiting). */
    boolean echoClosedByBackend() {
        return xenbus != null && xenbus.backendClosedEcho();
    }

    void workloadStarting() {
        workloadStart = System.nanoTime();
    }

    PlatformCalls calls() {
        return calls;
    }
}

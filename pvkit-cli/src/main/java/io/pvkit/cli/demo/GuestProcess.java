package io.pvkit.cli.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a {@code pvkit guest --connect SOCKET} child process: the same java and the same class
 * path (the {@code pvkit-cli.jar} under {@code ./pvkit}) as this process, with native access for the class
 * path (pv-process's memfd and socket calls, pv-grant's mapping views) and a small heap.
 */
public final class GuestProcess {
    private GuestProcess() {
    }

    /**
     * A process builder for a guest process.
     *
     * @param socket the hypervisor's guest socket
     * @param name the guest's name
     * @param guestArgs further {@code pvkit guest} options ({@code --rounds 100}, {@code --memory 4M}, ...)
     * @return the builder (not started)
     */
    public static ProcessBuilder command(Path socket, String name, List<String> guestArgs) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m",
                "-cp", System.getProperty("java.class.path"),
                "io.pvkit.cli.PvkitCommand", "guest", "--connect", socket.toString(), "--name", name));
        cmd.addAll(guestArgs);
        return new ProcessBuilder(cmd);
    }
}

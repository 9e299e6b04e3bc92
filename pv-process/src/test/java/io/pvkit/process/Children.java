package io.pvkit.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts child JVMs running {@link ProcessPeer} as a real second process: pv-abi and pv-process on the
 * module path, the test classes patched into io.pvkit.process, and deliberately no
 * {@code --enable-native-access} (so the child shows the restricted-method warning a user would see).
 */
final class Children {
    private Children() {
    }

    static ProcessBuilder peer(String... args) {
        try {
            String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String modulePath = codeSource(io.pvkit.abi.memory.GuestMemory.class) + java.io.File.pathSeparator
                    + codeSource(SealedGuestMemory.class);
            List<String> cmd = new ArrayList<>(List.of(launcher, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-Xmx64m",
                    "--module-path", modulePath,
                    "--patch-module", "io.pvkit.process=" + codeSource(ProcessPeer.class),
                    "-m", "io.pvkit.process/" + ProcessPeer.class.getName()));
            cmd.addAll(List.of(args));
            return new ProcessBuilder(cmd);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Process start(String... args) {
        try {
            return peer(args).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

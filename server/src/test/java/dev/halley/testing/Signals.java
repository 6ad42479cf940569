package dev.halley.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Sends POSIX signals with kill(1), for what Java's Process cannot do: stop a process and let it go on. */
public final class Signals {

    private Signals() {
    }

    /** Sends {@code SIG<name>} ({@code STOP}, {@code CONT}) to {@code process}; fails when kill does. */
    public static void send(Process process, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes());
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + out);
        }
    }
}

package dev.halley.doctor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link MachineLimits} from the files Linux exposes under a root directory: {@code /} for
 * this machine, a directory of fake {@code proc/...} files in tests. A missing or malformed file
 * leaves its value unknown; reading never fails.
 */
final class MachineReader {

    private static final Pattern OPEN_FILES = Pattern.compile("^Max open files\\s+(\\S+)\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern CAP_EFF = Pattern.compile("^CapEff:\\s+([0-9a-fA-F]+)", Pattern.MULTILINE);
    private static final int CAP_SYS_RESOURCE = 24;

    private final Path root;

    MachineReader(Path root) {
        this.root = root;
    }

    MachineLimits read() {
        Optional<String> limits = text("proc/self/limits");
        OptionalLong soft = OptionalLong.empty();
        OptionalLong hard = OptionalLong.empty();
        if (limits.isPresent()) {
            Matcher m = OPEN_FILES.matcher(limits.get());
            if (m.find()) {
                soft = limit(m.group(1));
                hard = limit(m.group(2));
            }
        }
        long[] ports = numbers("proc/sys/net/ipv4/ip_local_port_range", 2);
        return new MachineLimits(soft, hard, canRaiseHardLimit(),
                single("proc/sys/fs/file-max"), single("proc/sys/fs/nr_open"),
                single("proc/sys/net/core/somaxconn"), single("proc/sys/net/ipv4/tcp_max_syn_backlog"),
                single("proc/sys/net/core/netdev_max_backlog"),
                ports == null ? OptionalInt.empty() : OptionalInt.of((int) ports[0]),
                ports == null ? OptionalInt.empty() : OptionalInt.of((int) ports[1]),
                triple("proc/sys/net/ipv4/tcp_mem"), triple("proc/sys/net/ipv4/tcp_rmem"),
                triple("proc/sys/net/ipv4/tcp_wmem"),
                meminfo("MemTotal"), meminfo("MemAvailable"),
                cores());
    }

    private Optional<Boolean> canRaiseHardLimit() {
        Optional<String> status = text("proc/self/status");
        if (status.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = CAP_EFF.matcher(status.get());
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new BigInteger(m.group(1), 16).testBit(CAP_SYS_RESOURCE));
    }

    private OptionalInt cores() {
        Optional<String> cpuinfo = text("proc/cpuinfo");
        if (cpuinfo.isEmpty()) {
            return OptionalInt.empty();
        }
        int n = (int) cpuinfo.get().lines().filter(l -> l.startsWith("processor")).count();
        return n == 0 ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** A {@code /proc/meminfo} line's value, in bytes. */
    private OptionalLong meminfo(String key) {
        Optional<String> text = text("proc/meminfo");
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        Matcher m = Pattern.compile("^" + key + ":\\s+(\\d+) kB", Pattern.MULTILINE).matcher(text.get());
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
    }

    private OptionalLong single(String file) {
        long[] n = numbers(file, 1);
        return n == null ? OptionalLong.empty() : OptionalLong.of(n[0]);
    }

    private MachineLimits.Triple triple(String file) {
        long[] n = numbers(file, 3);
        return n == null ? MachineLimits.Triple.UNKNOWN : new MachineLimits.Triple(n[0], n[1], n[2], true);
    }

    /** Exactly {@code count} whitespace-separated numbers, or null. */
    private long[] numbers(String file, int count) {
        Optional<String> text = text(file);
        if (text.isEmpty()) {
            return null;
        }
        String[] words = text.get().trim().split("\\s+");
        if (words.length != count) {
            return null;
        }
        long[] out = new long[count];
        try {
            for (int i = 0; i < count; i++) {
                out[i] = Long.parseLong(words[i]);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return out;
    }

    private static OptionalLong limit(String word) {
        if (word.equals("unlimited")) {
            return OptionalLong.of(Long.MAX_VALUE);
        }
        try {
            return OptionalLong.of(Long.parseLong(word));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private Optional<String> text(String relative) {
        try {
            List<String> lines = Files.readAllLines(root.resolve(relative), StandardCharsets.UTF_8);
            return Optional.of(String.join("\n", lines));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

package dev.halley.transport;

import java.util.List;

/**
 * MegaComet compatibility ports.
 *
 * @param enabled whether to open them at all
 * @param workerPorts ports that serve {@code GET /{id}.js} like MegaComet's 8 workers (8000-8007)
 * @param managerPort the port speaking MegaComet's app protocol: byte 2, client id, NUL, message, NUL
 */
public record MegaCometOptions(boolean enabled, List<Integer> workerPorts, int managerPort) {

    public static final MegaCometOptions DISABLED = new MegaCometOptions(false, List.of(8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007), 9000);

    public MegaCometOptions {
        workerPorts = List.copyOf(workerPorts);
        for (int p : workerPorts) {
            Limits.requireBetween("megacomet worker port", p, 0, 65535);
        }
        Limits.requireBetween("megacomet manager port", managerPort, 0, 65535);
    }
}

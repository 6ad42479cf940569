package dev.halley.doctor;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What {@link MachineReader} found; a value that could not be read is empty, never guessed.
 *
 * @param openFilesSoft this process's soft {@code RLIMIT_NOFILE} ({@code Long.MAX_VALUE}: unlimited)
 * @param openFilesHard this process's hard {@code RLIMIT_NOFILE}
 * @param canRaiseHardLimit whether this process holds {@code CAP_SYS_RESOURCE}, without which a
 *        hard limit can only be lowered; empty when {@code /proc/self/status} was unreadable
 * @param fileMax {@code fs.file-max}, open files for the whole system
 * @param nrOpen {@code fs.nr_open}, the ceiling of any process's hard limit
 * @param somaxconn {@code net.core.somaxconn}, the cap on a listen backlog
 * @param tcpMaxSynBacklog {@code net.ipv4.tcp_max_syn_backlog}
 * @param netdevMaxBacklog {@code net.core.netdev_max_backlog}, packets queued per core (loopback too)
 * @param localPortLow first port of {@code net.ipv4.ip_local_port_range}
 * @param localPortHigh last port of {@code net.ipv4.ip_local_port_range}
 * @param tcpMemPages {@code net.ipv4.tcp_mem}, in pages
 * @param tcpRmem {@code net.ipv4.tcp_rmem}, in bytes
 * @param tcpWmem {@code net.ipv4.tcp_wmem}, in bytes
 * @param memTotalBytes {@code MemTotal} of {@code /proc/meminfo}
 * @param memAvailableBytes {@code MemAvailable} of {@code /proc/meminfo}
 * @param cores processors listed in {@code /proc/cpuinfo}
 */
record MachineLimits(OptionalLong openFilesSoft, OptionalLong openFilesHard, Optional<Boolean> canRaiseHardLimit,
                            OptionalLong fileMax, OptionalLong nrOpen, OptionalLong somaxconn,
                            OptionalLong tcpMaxSynBacklog, OptionalLong netdevMaxBacklog,
                            OptionalInt localPortLow, OptionalInt localPortHigh,
                            Triple tcpMemPages, Triple tcpRmem, Triple tcpWmem,
                            OptionalLong memTotalBytes, OptionalLong memAvailableBytes, OptionalInt cores) {

    /** The three numbers of {@code tcp_mem}, {@code tcp_rmem} or {@code tcp_wmem}; {@code known} is false when unreadable. */
    record Triple(long min, long middle, long max, boolean known) {
        static final Triple UNKNOWN = new Triple(0, 0, 0, false);

        @Override
        public String toString() {
            return known ? min + " " + middle + " " + max : "unknown";
        }
    }

    /** Ephemeral ports one source address has towards one server address and port. */
    OptionalInt localPorts() {
        if (localPortLow.isEmpty() || localPortHigh.isEmpty()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(localPortHigh.getAsInt() - localPortLow.getAsInt() + 1);
    }
}

package dev.halley.cli;

import dev.halley.broker.RedisLink;
import dev.halley.cluster.ClusterRoster;
import dev.halley.cluster.NodeRecord;
import io.lettuce.core.codec.StringCodec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code halley cluster status}: the live nodes of a cluster, read from its Redis. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Inspect a cluster of nodes sharing one Redis.",
        subcommands = ClusterCommand.Status.class)
final class ClusterCommand {

    /** Prints one line per live node; exit code 1 when Redis cannot be read. */
    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "List live nodes with their connections and message rates.")
    static final class Status implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE", description = "Properties file of option defaults.")
        String config;

        @Option(names = "--broker", required = true, description = "The cluster's Redis, redis://host:port or redis-cluster://host:port[,host:port...].")
        String broker;

        @Option(names = "--timeout", defaultValue = "5s", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RedisLink link;
            try {
                link = RedisLink.open(broker, null);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            try {
                RedisLink.Connection<String, String> connection = link.connect(StringCodec.UTF8);
                List<NodeRecord> nodes = ClusterRoster.live(connection.async()).toCompletableFuture()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                out.printf(Locale.ROOT, "%-28s %-24s %-9s %12s %12s %12s%n", "NODE", "ADDRESS", "BROKER", "CONNECTIONS", "PUBLISHED/S", "DELIVERED/S");
                long connections = 0;
                for (NodeRecord n : nodes) {
                    out.printf(Locale.ROOT, "%-28s %-24s %-9s %12d %12.1f %12.1f%n", n.id(), n.address(), n.state(),
                            n.connections(), n.publishedPerSecond(), n.deliveredPerSecond());
                    connections += n.connections();
                }
                out.printf(Locale.ROOT, "%d node(s), %d connection(s)%n", nodes.size(), connections);
                return 0;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                err.println("cluster status failed: cannot read " + broker + ": " + cause.getMessage());
                return 1;
            } finally {
                link.close();
            }
        }
    }
}

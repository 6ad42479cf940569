package dev.halley.doctor;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code halley doctor}: can this machine hold the target? Prints what it read, the memory
 * estimate, each finding and the configuration lines that fix the blockers. Exit code 0 when the
 * target is reachable as configured, 1 when not, 2 for a usage error.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Check this machine's limits against a target number of connections and print the fixes.")
public final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--connections", defaultValue = "1000000", description = "Concurrent connections to reach (default: ${DEFAULT-VALUE}).")
    long connections;

    @Option(names = "--server-processes", defaultValue = "1", description = "Halley processes sharing them (default: ${DEFAULT-VALUE}).")
    int serverProcesses;

    @Option(names = "--per-process-fd-cap", defaultValue = "0", description = "Open files a process may have; 0 reads the hard limit (default).")
    long perProcessFdCap;

    @Option(names = "--local-clients", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Clients run on this machine too, over loopback (default); --no-local-clients when they are elsewhere.")
    boolean localClients;

    @Option(names = "--transport", defaultValue = "sse", paramLabel = "sse|websocket|long-poll",
            description = "What the connections are: idle SSE streams, WebSockets or held long-polls (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--root", defaultValue = "/", paramLabel = "DIR", description = "Read proc/ under this directory instead of / (default: ${DEFAULT-VALUE}).")
    Path root;

    @Override
    public Integer call() {
        Target target;
        try {
            target = new Target(connections, serverProcesses, perProcessFdCap, localClients, ConnectionCosts.Transport.of(transport));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        MachineLimits machine = new MachineReader(root).read();
        Diagnosis d = Diagnosis.of(machine, target);
        new DoctorReport(d, root).print(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return d.reachable() ? 0 : 1;
    }

    /** The exit code of {@code halley doctor args}, printing to {@code out} and {@code err} (tests). */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new DoctorCommand());
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}

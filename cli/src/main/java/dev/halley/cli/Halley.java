package dev.halley.cli;

import dev.halley.bench.BenchMain;
import dev.halley.doctor.DoctorCommand;
import dev.halley.transport.Durations;
import java.io.UncheckedIOException;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar halley.jar <command>}: the entry point. */
@Command(name = "halley", mixinStandardHelpOptions = true, versionProvider = Halley.Version.class,
        description = "A comet (HTTP push) server for the JVM: long-poll, SSE and WebSocket on one port.",
        subcommands = {ServerCommand.class, PublishCommand.class, DoctorCommand.class,
            ClusterCommand.class, DrainCommand.class})
public final class Halley {

    public static void main(String[] args) {
        CommandLine cl;
        try {
            cl = commandLine(args);
        } catch (UncheckedIOException e) {
            System.err.println(e.getMessage() + ": " + e.getCause().getMessage());
            System.exit(2);
            return;
        }
        System.exit(cl.execute(args));
    }

    /** The configured command line: duration converter, defaults from environment and config file. */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Halley());
        cl.registerConverter(Duration.class, Durations::parse);
        cl.setDefaultValueProvider(ConfigDefaults.from(args, System.getenv()));
        // Added last, so the bench keeps its own converters: it is an outside client of the server.
        cl.addSubcommand("bench", BenchMain.commandLine());
        cl.addSubcommand(new CommandLine.HelpCommand());
        return cl;
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Halley.class.getPackage().getImplementationVersion();
            return new String[] {"halley " + (v == null ? "dev" : v)};
        }
    }
}

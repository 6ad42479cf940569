package dev.halley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code halley doctor} is reachable from the entry point, with the usage-error exit code. */
class DoctorSubcommandTest {

    @Test
    void doctorIsASubcommandAndRejectsABadTarget() {
        String[] args = {"doctor", "--server-processes", "0"};
        CommandLine cl = Halley.commandLine(args);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));

        assertThat(cl.getSubcommands()).containsKey("doctor");
        assertThat(cl.execute(args)).isEqualTo(2);
        assertThat(err.toString()).contains("--server-processes must be between 1 and 10000, got 0");
    }
}

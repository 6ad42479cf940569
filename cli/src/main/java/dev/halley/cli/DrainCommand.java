package dev.halley.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code halley drain}: asks a node ({@code POST /admin/drain}, from the node's own machine) to stop
 * accepting, send its clients elsewhere and exit within its {@code --drain-timeout}. Exit code 0
 * once the node accepted, 1 otherwise.
 */
@Command(name = "drain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Drain a node: stop accepting, tell clients to reconnect elsewhere, exit.")
final class DrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of option defaults.")
    String config;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The node's base URL (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--timeout", defaultValue = "10s", description = "Give up waiting for the node's answer after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request = HttpRequest.newBuilder(url.resolve("/admin/drain"))
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("drain failed: cannot reach " + url + ": " + e.getMessage());
            return 1;
        }
        if (response.statusCode() == 202) {
            out.println(response.body());
            return 0;
        }
        err.println("drain failed: HTTP " + response.statusCode() + " " + response.body());
        return 1;
    }
}

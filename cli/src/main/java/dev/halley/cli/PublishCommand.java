package dev.halley.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code halley publish}: the publish API from a shell. Prints the server's JSON answer; the exit
 * code is 0 for a 2xx, 1 otherwise (the reason is printed), 2 for a usage error.
 */
@Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Publish a message to a client's mailbox or a channel, or a JSON batch.")
final class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of option defaults.")
    String config;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The server's base URL (default: ${DEFAULT-VALUE}).")
    URI url;

    /** Exactly one destination. */
    static final class Target {
        @Option(names = "--client", paramLabel = "ID", description = "Publish to this client's mailbox.")
        String client;

        @Option(names = "--channel", paramLabel = "NAME", description = "Publish to this channel.")
        String channel;

        @Option(names = "--batch", paramLabel = "FILE", description = "POST this JSON array file to /pub ('-' reads standard input).")
        String batch;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--json", description = "The message is JSON (sent as application/json).")
    boolean json;

    @Option(names = "--timeout", defaultValue = "10s", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Parameters(arity = "0..1", paramLabel = "MESSAGE", description = "The message; read from standard input when absent.")
    String message;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String path;
        String body;
        String contentType;
        if (target.batch != null) {
            path = "/pub";
            body = target.batch.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(target.batch));
            contentType = "application/json";
        } else {
            path = target.client != null ? "/pub/client/" + target.client : "/pub/channel/" + target.channel;
            body = message != null ? message : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            contentType = json ? "application/json" : "text/plain; charset=utf-8";
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request = HttpRequest.newBuilder(url.resolve(path))
                .timeout(timeout)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("publish failed: cannot reach " + url + ": " + e.getMessage());
            return 1;
        }
        if (response.statusCode() / 100 == 2) {
            out.println(response.body());
            return 0;
        }
        err.println("publish failed: HTTP " + response.statusCode() + " " + response.body());
        return 1;
    }
}

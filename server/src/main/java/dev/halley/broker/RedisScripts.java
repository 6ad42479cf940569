package dev.halley.broker;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts that make each broker operation one atomic step in Redis. They run by SHA
 * ({@code EVALSHA}); when Redis does not know a script (it restarted) it is sent whole once.
 */
final class RedisScripts {

    /** One script: its text (the shared prelude included) and its SHA-1. */
    record Script(String name, byte[] body, String sha) {
    }

    final Script publish = load("publish");
    final Script since = load("since");
    final Script consume = load("consume");

    /** Runs {@code script}; completes with Redis' multi-bulk answer, or exceptionally. */
    static CompletionStage<List<Object>> run(RedisClusterAsyncCommands<byte[], byte[]> redis, Script script,
                                             byte[][] keys, byte[]... args) {
        RedisFuture<List<Object>> bySha = redis.evalsha(script.sha(), ScriptOutputType.MULTI, keys, args);
        return bySha.handle((answer, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(answer);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof RedisNoScriptException) {
                RedisFuture<List<Object>> byBody = redis.eval(script.body(), ScriptOutputType.MULTI, keys, args);
                return byBody.toCompletableFuture();
            }
            return CompletableFuture.<List<Object>>failedFuture(failure);
        }).thenCompose(f -> f);
    }

    private static Script load(String name) {
        String text = resource("prelude") + "\n" + resource(name);
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        try {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
            return new Script(name, body, sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RedisScripts.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + name + ".lua", e);
        }
    }
}

package dev.halley.hub;

import dev.halley.message.Topic;
import dev.halley.presence.ClientPresence;
import dev.halley.presence.PresenceDirectory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One loop's part of reporting this node's presence to its directory again (see
 * {@link PresenceDirectory#start}): the channels and clients present on the loop when it starts,
 * in steps. Each step is a task of the loop that reads those entries as they are then and reports
 * them from the loop, so a later change of an entry, reported from the same loop, reaches the
 * directory after its rewrite and is never overwritten by it; an entry gone meanwhile was reported
 * gone already. The next step is taken once the directory has stored this one, which bounds what
 * is in flight and lets the loop's other tasks run between steps.
 */
final class PresenceRewrite {

    /** A step reports whole keys until it has reported at least this many entries. */
    static final int STEP_ENTRIES = 512;

    private final EventExecutor executor;
    private final LoopSubscribers loop;
    private final PresenceDirectory directory;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private List<Topic> channels;
    private List<String> clients;
    private int nextChannel;
    private int nextClient;
    private long reported;

    private PresenceRewrite(EventExecutor executor, LoopSubscribers loop, PresenceDirectory directory) {
        this.executor = executor;
        this.loop = loop;
        this.directory = directory;
    }

    /** Starts on {@code executor}, the loop of {@code loop}; completes with how many entries were reported. */
    static CompletableFuture<Long> start(EventExecutor executor, LoopSubscribers loop, PresenceDirectory directory) {
        PresenceRewrite rewrite = new PresenceRewrite(executor, loop, directory);
        executor.execute(() -> {
            rewrite.channels = loop.channelPresence.keySnapshot();
            rewrite.clients = loop.online.keySnapshot();
            rewrite.step();
        });
        return rewrite.done;
    }

    /** On the loop: reports the next keys' entries and, once they are stored, schedules the step after. */
    private void step() {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        while (writes.size() < STEP_ENTRIES && nextChannel < channels.size()) {
            Topic channel = channels.get(nextChannel++);
            for (ClientPresence p : loop.channelPresence.list(channel, Integer.MAX_VALUE)) {
                writes.add(directory.channel(channel.name(), p).toCompletableFuture());
            }
        }
        while (writes.size() < STEP_ENTRIES && nextClient < clients.size()) {
            String client = clients.get(nextClient++);
            ClientPresence p = loop.online.get(client, client);
            if (p.online()) {
                writes.add(directory.client(p).toCompletableFuture());
            }
        }
        reported += writes.size();
        long total = reported;
        boolean last = nextChannel == channels.size() && nextClient == clients.size();
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((stored, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (last) {
                done.complete(total);
            } else {
                executor.execute(this::step);
            }
        });
    }
}

package dev.halley.hub;

import dev.halley.loops.PerLoop;
import dev.halley.loops.Shards;
import dev.halley.message.Topic;
import dev.halley.presence.ChannelPresence;
import dev.halley.presence.ClientPresence;
import dev.halley.presence.Member;
import dev.halley.presence.PresenceDirectory;
import dev.halley.presence.PresenceEvent;
import dev.halley.presence.PresenceTable;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The hub's presence, kept beside the subscriptions on the same owning loops: a channel's members
 * on the channel's loop, a client's connections on the loop of its mailbox, so no lock is taken.
 * Alone, this node's loops are the truth and announce joins and leaves themselves; with a
 * {@link PresenceDirectory} every change is reported there, reads are answered from there, and
 * the directory, which sees every node, announces; when the directory may have lost this node's
 * entries it has them all reported again, loop by loop (see {@link PresenceRewrite}).
 */
final class HubPresence {

    private final Shards shards;
    private final PerLoop<LoopSubscribers> perLoop;
    /** Null until {@link #share}: presence is this node's alone. */
    private volatile PresenceDirectory directory;

    HubPresence(Shards shards, PerLoop<LoopSubscribers> perLoop) {
        this.shards = shards;
        this.perLoop = perLoop;
    }

    /**
     * From now on reports this node's presence changes to {@code directory} and answers presence
     * reads from it (cluster-wide). Call before serving, once: earlier presence is not reported.
     */
    void share(PresenceDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        directory.start(event -> {
            Topic channel = Topic.channel(event.channel());
            perLoop.run(channel, loop -> loop.announce(channel, event));
        }, () -> reportAll(directory));
    }

    /** Reports every entry of every loop to {@code directory} again, the loops side by side (see {@link PresenceRewrite}). */
    private CompletionStage<Long> reportAll(PresenceDirectory directory) {
        List<CompletableFuture<Long>> loops = new ArrayList<>();
        perLoop.forEach((executor, loop) -> loops.add(PresenceRewrite.start(executor, loop, directory)));
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
                .thenApply(done -> loops.stream().mapToLong(CompletableFuture::join).sum());
    }

    /**
     * The clients present on {@code channel} (on every node when presence is shared), listed when there are at most
     * {@code listLimit} of them, else only counted.
     */
    CompletionStage<ChannelPresence> channel(String channel, int listLimit) {
        PresenceDirectory shared = directory;
        if (shared != null) {
            return shared.channel(channel, listLimit);
        }
        Topic topic = Topic.channel(channel);
        return perLoop.call(topic, loop -> {
            int count = loop.channelPresence.count(topic);
            return new ChannelPresence(channel, count, count > listLimit, loop.channelPresence.list(topic, listLimit));
        });
    }

    /** Whether {@code client} has a connection (to any node when presence is shared), since when, and how many. */
    CompletionStage<ClientPresence> client(String client) {
        PresenceDirectory shared = directory;
        if (shared != null) {
            return shared.client(client);
        }
        return perLoop.call(Topic.client(client), loop -> loop.online.get(client, client));
    }

    /**
     * Counts a connection of {@code member}'s client towards its being online; the returned handle
     * ends it (once, from any thread). A connection calls this once, however many topics it holds.
     */
    Online connect(Member member) {
        Topic mailbox = Topic.client(member.client());
        long since = System.currentTimeMillis();
        perLoop.run(mailbox, loop -> {
            loop.online.add(member.client(), member.client(), since);
            shareOnline(loop, member.client());
        });
        return new Online() {
            private final AtomicBoolean ended = new AtomicBoolean();

            @Override
            public void end() {
                if (ended.compareAndSet(false, true)) {
                    perLoop.run(mailbox, loop -> {
                        long idleSince = loop.online.remove(member.client(), member.client(), System.nanoTime());
                        shareOnline(loop, member.client());
                        leaveAfter(shards.loopOf(mailbox), member, loop.online, member.client(), idleSince,
                                () -> shareOnline(loop, member.client()));
                    });
                }
            }
        };
    }

    /** On the owning loop: a channel subscription of a member makes its client present there. */
    void join(LoopSubscribers loop, HubSubscription subscription) {
        Member member = subscription.member();
        Topic topic = subscription.topic();
        if (member == null || topic.kind() != Topic.Kind.CHANNEL) {
            return;
        }
        subscription.present = true;
        PresenceDirectory shared = directory;
        if (member.watching() && loop.watchers.merge(topic, 1, Integer::sum) == 1 && shared != null) {
            shared.watch(topic.name(), true);
        }
        boolean joined = loop.channelPresence.add(topic, member.client(), System.currentTimeMillis());
        shareChannel(loop, topic, member.client());
        // Shared presence is announced by the directory, which sees every node's joins.
        if (joined && shared == null) {
            loop.announce(topic, new PresenceEvent(PresenceEvent.Kind.JOIN, topic.name(), member.client()));
        }
    }

    /** On the channel's loop: reports this node's presence of {@code client} there, when presence is shared. */
    private void shareChannel(LoopSubscribers loop, Topic channel, String client) {
        PresenceDirectory shared = directory;
        if (shared != null) {
            shared.channel(channel.name(), loop.channelPresence.get(channel, client));
        }
    }

    /** On the client's mailbox loop: reports this node's connections of {@code client}, when presence is shared. */
    private void shareOnline(LoopSubscribers loop, String client) {
        PresenceDirectory shared = directory;
        if (shared != null) {
            shared.client(loop.online.get(client, client));
        }
    }

    /** On the owning loop: the subscription ended; its client leaves when it was its last (after its linger). */
    void leave(LoopSubscribers loop, HubSubscription subscription) {
        if (!subscription.present) {
            return;
        }
        subscription.present = false;
        Member member = subscription.member();
        Topic topic = subscription.topic();
        if (member.watching() && loop.watchers.merge(topic, -1, Integer::sum) == 0) {
            loop.watchers.remove(topic);
            PresenceDirectory shared = directory;
            if (shared != null) {
                shared.watch(topic.name(), false);
            }
        }
        PresenceTable<Topic> table = loop.channelPresence;
        long idleSince = table.remove(topic, member.client(), System.nanoTime());
        shareChannel(loop, topic, member.client());
        leaveAfter(shards.loopOf(topic), member, table, topic, idleSince, () -> {
            shareChannel(loop, topic, member.client());
            if (directory == null) {
                loop.announce(topic, new PresenceEvent(PresenceEvent.Kind.LEAVE, topic.name(), member.client()));
            }
        });
    }

    /**
     * On {@code owner}, the loop of {@code key}: removes the member's client from {@code table} once it has been
     * idle (since {@code idleSinceNanos}, 0: not idle) for its linger, and then runs {@code left}.
     */
    private <K> void leaveAfter(EventExecutor owner, Member member, PresenceTable<K> table, K key, long idleSinceNanos, Runnable left) {
        if (idleSinceNanos == 0) {
            return;
        }
        Runnable expire = () -> {
            if (table.leave(key, member.client(), idleSinceNanos)) {
                left.run();
            }
        };
        if (member.linger().isZero()) {
            expire.run();
        } else {
            owner.schedule(expire, member.linger().toNanos(), TimeUnit.NANOSECONDS);
        }
    }
}

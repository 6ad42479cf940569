package dev.halley.transport;

import dev.halley.hub.Subscriber;
import dev.halley.hub.Subscription;
import dev.halley.message.Backlog;
import dev.halley.message.Message;
import dev.halley.message.MessageId;
import dev.halley.transport.mercure.MercureGrant;
import dev.halley.transport.mercure.MercureUpdate;
import dev.halley.transport.mercure.TopicSelector;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * Where a Mercure subscription starts, from the id it asks to resume after: nothing (new updates
 * only), {@code earliest} (everything kept), a hub id ({@code urn:halley:<cursor>}, exact), or a
 * publisher's own id, which is no cursor and is looked up in the kept history first.
 */
final class MercureResume {

    /** A cursor of no epoch: the broker answers it with everything it keeps. */
    static final MessageId EARLIEST = new MessageId("earliest", 0);

    private MercureResume() {
    }

    /**
     * Starts the stream from where {@code lastEventId} (null: none) says.
     *
     * @throws IllegalArgumentException when a hub id does not hold a cursor (the 400 reason)
     */
    static void start(ChannelHandlerContext ctx, Node node, List<TopicSelector> selectors, MercureGrant grant, String lastEventId) {
        if (lastEventId == null) {
            MercureStream.start(ctx, node, selectors, grant, null, null);
        } else if (lastEventId.equals("earliest")) {
            MercureStream.start(ctx, node, selectors, grant, EARLIEST, "earliest");
        } else if (lastEventId.startsWith(MercureStream.HUB_ID_PREFIX)) {
            MessageId cursor = MessageId.parse(lastEventId.substring(MercureStream.HUB_ID_PREFIX.length()));
            MercureStream.start(ctx, node, selectors, grant, cursor, lastEventId);
        } else {
            afterPublisherId(ctx, node, selectors, grant, lastEventId);
        }
    }

    /**
     * Reads the kept history once, then streams from the message bearing {@code publisherId}. An
     * id no longer kept (or never seen) resumes from the earliest kept update, and the answer
     * says {@code Last-Event-ID: earliest}.
     */
    private static void afterPublisherId(ChannelHandlerContext ctx, Node node, List<TopicSelector> selectors, MercureGrant grant,
                                         String publisherId) {
        Subscription[] lookup = new Subscription[1];
        lookup[0] = node.hub().subscribe(MercureEndpoint.UPDATES, EARLIEST, new Subscriber() {
            @Override
            public void onBacklog(Backlog backlog) {
                MessageId found = null;
                for (Message m : backlog.messages()) {
                    MercureUpdate u = MercureStream.decode(m);
                    if (u != null && publisherId.equals(u.id())) {
                        found = m.id();
                    }
                }
                MessageId cursor = found;
                // On the connection's loop, after subscribe has returned (it may call back inline).
                ctx.executor().execute(() -> {
                    lookup[0].cancel();
                    if (ctx.channel().isActive()) {
                        MercureStream.start(ctx, node, selectors, grant, cursor == null ? EARLIEST : cursor,
                                cursor == null ? "earliest" : publisherId);
                    }
                });
            }

            @Override
            public void onMessage(Message message) {
                // The lookup reads history only; the stream that follows gets live updates.
            }

            @Override
            public void onFailure(Throwable cause) {
                ctx.executor().execute(() -> Replies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "history unavailable: " + cause.getMessage(), false));
            }
        });
    }
}
